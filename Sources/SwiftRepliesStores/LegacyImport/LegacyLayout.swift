import Foundation

/// The legacy tables and columns the import reads, with the column names it accepts for each
/// field (the first present wins), and what it found in a given database.
public struct LegacyLayout: Sendable, Hashable {
    /// The kind of value a field holds.
    enum Kind: Sendable, Hashable {
        case integer, text, number, timestamp
    }

    /// A field the import reads, and the column names that may hold it.
    struct Field: Sendable, Hashable {
        var name: String
        var candidates: [String]
        var kind: Kind
        var required: Bool
    }

    /// A table the import reads.
    struct Table: Sendable, Hashable {
        var name: String
        var required: Bool
        var fields: [Field]
    }

    static let contacts = Table(name: "contacts", required: true, fields: [
        Field(name: "id", candidates: ["id"], kind: .integer, required: true),
        Field(name: "phone_number", candidates: ["phone_number", "phone", "wa_id"], kind: .text, required: true),
        Field(name: "thread_id", candidates: ["thread_id"], kind: .text, required: false),
        Field(name: "name", candidates: ["name", "contact_name", "full_name"], kind: .text, required: false),
        Field(name: "created_at", candidates: ["created_at"], kind: .timestamp, required: false),
    ])
    static let messages = Table(name: "messages", required: true, fields: [
        Field(name: "id", candidates: ["id"], kind: .integer, required: true),
        Field(name: "contact_id", candidates: ["contact_id"], kind: .integer, required: true),
        Field(name: "direction", candidates: ["direction", "role"], kind: .text, required: true),
        Field(name: "message_text", candidates: ["message_text", "content", "message", "text", "body"], kind: .text, required: false),
        Field(name: "sent_at", candidates: ["sent_at", "created_at", "timestamp"], kind: .timestamp, required: false),
    ])
    static let orders = Table(name: "orders", required: false, fields: [
        Field(name: "id", candidates: ["id"], kind: .integer, required: true),
        Field(name: "contact_id", candidates: ["contact_id"], kind: .integer, required: false),
        Field(name: "product_name", candidates: ["product_name", "product", "item_name"], kind: .text, required: false),
        Field(name: "quantity", candidates: ["quantity", "qty"], kind: .integer, required: false),
        Field(name: "total_price", candidates: ["total_price", "total", "total_amount", "amount", "price"], kind: .number, required: false),
        Field(name: "status", candidates: ["status"], kind: .text, required: false),
        Field(name: "created_at", candidates: ["created_at", "order_date"], kind: .timestamp, required: false),
    ])
    static let campaigns = Table(name: "campaigns", required: false, fields: [
        Field(name: "id", candidates: ["id"], kind: .integer, required: true),
        Field(name: "name", candidates: ["name", "campaign_name", "title"], kind: .text, required: true),
        Field(name: "message", candidates: ["message", "message_template", "content", "message_text"], kind: .text, required: false),
        Field(name: "status", candidates: ["status"], kind: .text, required: false),
        Field(name: "created_at", candidates: ["created_at"], kind: .timestamp, required: false),
    ])
    static let tables = [contacts, messages, orders, campaigns]

    /// A table as found: the column chosen for each field (`nil`: absent, read as NULL) and its
    /// declared type.
    struct Resolved: Sendable, Hashable {
        var table: Table
        var columns: [String?]
        var types: [String?]
    }

    /// The resolved tables by name; an optional table that is absent is not here.
    var resolved: [String: Resolved]

    /// Matches the tables' columns (`columns[table]`: lowercased column name → declared type;
    /// a table missing from the dictionary does not exist). Fails, naming what is missing, when
    /// a required table or column is absent.
    static func resolve(columns: [String: [String: String]], location: String) throws -> LegacyLayout {
        var resolved: [String: Resolved] = [:]
        var problems: [String] = []
        // Tenant-keyed tables are a multi-tenant database (this host's, or seed 004's with
        // user ids): importing one as a single tenant would merge its tenants.
        for key in ["tenant_id", "user_id"] where columns["contacts"]?[key] != nil {
            throw LegacyImportError.notALegacyDatabase(
                location, "its contacts table has a \(key) column, so it is already a multi-tenant database, not the single-tenant one"
            )
        }
        for table in tables {
            guard let present = columns[table.name], !present.isEmpty else {
                if table.required { problems.append("table '\(table.name)' is missing") }
                continue
            }
            var chosen: [String?] = []
            var types: [String?] = []
            for field in table.fields {
                let column = field.candidates.first { present[$0] != nil }
                if column == nil, field.required {
                    let names = field.candidates.map { "'\($0)'" }.joined(separator: " or ")
                    problems.append("table '\(table.name)' has no column \(names)")
                }
                chosen.append(column)
                types.append(column.flatMap { present[$0] })
            }
            resolved[table.name] = Resolved(table: table, columns: chosen, types: types)
        }
        if !problems.isEmpty { throw LegacyImportError.notALegacyDatabase(location, problems.joined(separator: "; ")) }
        return LegacyLayout(resolved: resolved)
    }

    /// `table.field ← column` for every field read, for logs.
    public var summary: String {
        Self.tables.compactMap { table -> String? in
            guard let found = resolved[table.name] else { return "\(table.name): absent" }
            let fields = zip(table.fields, found.columns).map { field, column in
                column.map { $0 == field.name ? $0 : "\(field.name)←\($0)" } ?? "\(field.name)←NULL"
            }
            return "\(table.name)(\(fields.joined(separator: ", ")))"
        }.joined(separator: " ")
    }
}

extension LegacyLayout {
    /// A column or table name as a quoted SQL identifier (names come from the layout's fixed
    /// lists, never from input).
    static func quoted(_ identifier: String) -> String {
        "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
