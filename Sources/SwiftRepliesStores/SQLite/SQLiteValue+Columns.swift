import Foundation
import SwiftRepliesCore

extension SQLiteValue {
    /// A timestamp as `REAL` unix seconds.
    static func timestamp(_ date: Date) -> SQLiteValue { .float(date.timeIntervalSince1970) }
    /// A timestamp as `REAL` unix seconds, or `NULL`.
    static func timestamp(_ date: Date?) -> SQLiteValue { date.map { .float($0.timeIntervalSince1970) } ?? .null }
    /// A boolean as `0` or `1`.
    static func flag(_ value: Bool) -> SQLiteValue { .integer(value ? 1 : 0) }
    static func int64(_ value: Int64) -> SQLiteValue { .integer(Int64(value)) }
    static func int(_ value: Int) -> SQLiteValue { .integer(Int64(value)) }
    static func int(_ value: Int?) -> SQLiteValue { value.map { .integer(Int64($0)) } ?? .null }
    static func optionalText(_ value: String?) -> SQLiteValue { value.map { .text($0) } ?? .null }
}

/// A result row whose values can be looked up by column name.
protocol SQLiteColumnReading {
    func column(_ name: String) -> SQLiteValue?
}

extension SQLiteResultRow: SQLiteColumnReading {}

extension SQLiteColumnReading {
    /// The value of column `name`, or an error when the row has no such column.
    func value(_ name: String) throws -> SQLiteValue {
        guard let value = column(name) else { throw SQLiteStoreError.missingColumn(name) }
        return value
    }

    func int64(_ name: String) throws -> Int64 {
        let value = try value(name)
        guard case .integer(let integer) = value else {
            throw SQLiteStoreError.invalidValue(column: name, value: value.description)
        }
        return Int64(integer)
    }

    func optionalInt64(_ name: String) throws -> Int64? {
        if try value(name).isNull { return nil }
        return try int64(name)
    }

    func int(_ name: String) throws -> Int { Int(try int64(name)) }

    func optionalInt(_ name: String) throws -> Int? { try optionalInt64(name).map { Int($0) } }

    func text(_ name: String) throws -> String {
        let value = try value(name)
        guard case .text(let text) = value else {
            throw SQLiteStoreError.invalidValue(column: name, value: value.description)
        }
        return text
    }

    func optionalText(_ name: String) throws -> String? {
        if try value(name).isNull { return nil }
        return try text(name)
    }

    func flag(_ name: String) throws -> Bool { try int64(name) != 0 }

    func timestamp(_ name: String) throws -> Date {
        let value = try value(name)
        guard let seconds = value.double, !value.isNull else {
            throw SQLiteStoreError.invalidValue(column: name, value: value.description)
        }
        return Date(timeIntervalSince1970: seconds)
    }

    func optionalTimestamp(_ name: String) throws -> Date? {
        if try value(name).isNull { return nil }
        return try timestamp(name)
    }

    func tenantID(_ name: String = "tenant_id") throws -> TenantID { TenantID(try text(name)) }
    func chatbotID(_ name: String = "chatbot_id") throws -> ChatbotID { ChatbotID(try text(name)) }
    func contactID(_ name: String = "contact_id") throws -> ContactID { ContactID(try int64(name)) }
    func messageID(_ name: String = "id") throws -> MessageID { MessageID(try int64(name)) }
    func phone(_ name: String = "phone_number") throws -> PhoneNumber { PhoneNumber(canonical: try text(name)) }

    /// A `RawRepresentable` enum stored as its raw text.
    func raw<T: RawRepresentable>(_ name: String, as type: T.Type) throws -> T where T.RawValue == String {
        let raw = try text(name)
        guard let value = T(rawValue: raw) else { throw SQLiteStoreError.invalidValue(column: name, value: raw) }
        return value
    }

    func optionalRaw<T: RawRepresentable>(_ name: String, as type: T.Type) throws -> T? where T.RawValue == String {
        if try value(name).isNull { return nil }
        return try raw(name, as: type)
    }
}
