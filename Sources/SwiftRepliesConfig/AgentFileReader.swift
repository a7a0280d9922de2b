import Foundation
import SwiftRepliesCore
import Yams

/// An agent as read from its file, with nodes kept for cross-file messages.
struct AgentDraft {
    var definition: AgentDefinition
    var moduleNode: Node?
    var middlewareNodes: [(name: String, node: Node)]
}

/// Reads one `agents/<id>.yaml` strictly.
struct AgentFileReader {
    static let agentKeys = [
        "id", "module", "name", "persona", "greeting", "fallback", "currency", "catalogue", "knowledge_base", "middleware", "escalation",
        "settings",
    ]
    static let productKeys = ["sku", "name", "aliases", "price", "currency", "description"]
    static let entryKeys = ["id", "category", "question", "answer", "examples"]
    static let escalationKeys = ["max_discount_percent", "human_keywords", "action_ttl_minutes"]

    let collector: DiagnosticCollector
    let interpolation: EnvironmentInterpolation
    /// The file name without `.yaml`, which the `id` must equal.
    let expectedID: String

    func read(_ root: Node) -> AgentDraft? {
        guard var reader = YAMLMappingReader(root, what: "agent", known: Self.agentKeys, collector: collector, interpolation: interpolation) else { return nil }
        let id = reader.string("id", required: true) ?? expectedID
        if id != expectedID {
            collector.error("agent id '\(id)' does not match its file name '\(expectedID).yaml'", at: reader.node("id"), hint: "rename the file or the id")
        }
        let module = reader.string("module", required: true, hint: "for example `module: sales`") ?? ""
        let currency = reader.string("currency") ?? "USD"
        var definition = AgentDefinition(id: AgentID(id), module: module, name: reader.string("name") ?? id, sourceFile: collector.file)
        definition.currency = currency
        definition.persona = reader.string("persona") ?? ""
        definition.greeting = reader.string("greeting") ?? ""
        if let fallback = reader.string("fallback"), !fallback.isEmpty { definition.fallback = fallback }

        var skus: [String: Node] = [:]
        for productNode in reader.sequence("catalogue") ?? [] {
            guard var product = YAMLMappingReader(productNode, what: "product", known: Self.productKeys, collector: collector, interpolation: interpolation) else { continue }
            let sku = product.string("sku", required: true)
            let name = product.string("name", required: true)
            let priceText = product.string("price", required: true)
            guard let sku, let name, let priceText, let priceNode = product.node("price") else { continue }
            if let first = skus[sku] {
                collector.error("duplicate sku '\(sku)'", at: product.node("sku"), hint: "first used at line \(first.mark?.line ?? 0)")
            } else if let node = product.node("sku") {
                skus[sku] = node
            }
            let priceDigits = priceText.trimmingCharactersInWhitespace()
            guard !priceDigits.isEmpty, priceDigits.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
                let price = Decimal(string: priceDigits), price >= 0
            else {
                collector.error("price of '\(sku)' must be a number, found '\(priceText)'", at: priceNode, hint: "write it without the currency, e.g. `price: 49.00`")
                continue
            }
            definition.catalogue.append(
                Product(
                    sku: sku, name: name, aliases: product.stringList("aliases") ?? [], price: price, currency: product.string("currency") ?? currency,
                    description: product.string("description") ?? ""
                )
            )
        }

        var entryIDs: [String: Node] = [:]
        for (index, entryNode) in (reader.sequence("knowledge_base") ?? []).enumerated() {
            guard var entry = YAMLMappingReader(entryNode, what: "knowledge base entry", known: Self.entryKeys, collector: collector, interpolation: interpolation) else { continue }
            let question = entry.string("question", required: true)
            let answer = entry.string("answer", required: true)
            guard let question, let answer else { continue }
            let entryID = entry.string("id") ?? "\(id)-\(index + 1)"
            if let first = entryIDs[entryID] {
                collector.error("duplicate knowledge base id '\(entryID)'", at: entry.node("id"), hint: "first used at line \(first.mark?.line ?? 0)")
            } else {
                entryIDs[entryID] = entry.node("id") ?? entryNode
            }
            definition.knowledgeBase.append(
                KnowledgeEntry(id: entryID, category: entry.string("category") ?? "general", question: question, answer: answer, examples: entry.stringList("examples") ?? [])
            )
        }

        var middlewareNodes: [(String, Node)] = []
        for node in reader.sequence("middleware") ?? [] {
            guard let name = reader.scalarString(node, key: "middleware") else { continue }
            if middlewareNodes.contains(where: { $0.0 == name }) {
                collector.error("middleware '\(name)' is listed twice", at: node, hint: "each middleware runs once per turn")
                continue
            }
            middlewareNodes.append((name, node))
        }
        definition.middleware = middlewareNodes.map(\.0)

        if let node = reader.node("escalation"), var escalation = YAMLMappingReader(node, what: "escalation", known: Self.escalationKeys, collector: collector, interpolation: interpolation) {
            if let value = escalation.double("max_discount_percent") {
                if value > 100 { collector.error("max_discount_percent must be at most 100", at: escalation.node("max_discount_percent")) }
                definition.escalation.maxDiscountPercent = value
            }
            definition.escalation.humanKeywords = escalation.stringList("human_keywords") ?? []
            if let minutes = escalation.int("action_ttl_minutes", minimum: 1) { definition.escalation.actionTTLSeconds = minutes * 60 }
        }
        if let node = reader.node("settings") {
            definition.settings = Self.configValue(node, interpolation: interpolation)
        }
        return AgentDraft(definition: definition, moduleNode: reader.node("module"), middlewareNodes: middlewareNodes)
    }

    static func configValue(_ node: Node, interpolation: EnvironmentInterpolation) -> ConfigValue {
        switch node {
        case .scalar(let scalar):
            let text = interpolation.expand(scalar.string).value
            if scalar.style == .plain {
                if scalar.tag == Tag(.null) || text == "~" || text == "null" { return .null }
                if let bool = Bool(text.lowercased()) { return .bool(bool) }
                if let number = Double(text) { return .number(number) }
            }
            return .string(text)
        case .sequence(let sequence): return .list(sequence.map { configValue($0, interpolation: interpolation) })
        case .mapping(let mapping):
            var members: [String: ConfigValue] = [:]
            for (key, value) in mapping { if let key = key.scalar?.string { members[key] = configValue(value, interpolation: interpolation) } }
            return .map(members)
        case .alias: return .null
        }
    }
}
