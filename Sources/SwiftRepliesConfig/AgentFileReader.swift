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
        "settings", "synonyms",
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
        var texts = LocalizedTextReader(collector: collector)
        if let greeting = texts.read(&reader, "greeting", what: "greeting") {
            definition.greeting = greeting.base
            definition.greetingTranslations = greeting.translations
        }
        if let fallback = texts.read(&reader, "fallback", what: "fallback"), !fallback.base.isEmpty {
            definition.fallback = fallback.base
            definition.fallbackTranslations = fallback.translations
        }
        definition.synonyms = readSynonyms(&reader)

        var skus: [String: Node] = [:]
        for productNode in reader.sequence("catalogue") ?? [] {
            guard var product = YAMLMappingReader(productNode, what: "product", known: Self.productKeys, collector: collector, interpolation: interpolation) else { continue }
            let sku = product.string("sku", required: true)
            let name = product.string("name", required: true)
            let priceText = product.string("price", required: true)
            let description = texts.read(&product, "description", what: "description of '\(sku ?? "?")'")
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
                    description: description?.base ?? "", descriptionTranslations: description?.translations ?? [:]
                )
            )
        }

        var entryIDs: [String: Node] = [:]
        for (index, entryNode) in (reader.sequence("knowledge_base") ?? []).enumerated() {
            guard var entry = YAMLMappingReader(entryNode, what: "knowledge base entry", known: Self.entryKeys, collector: collector, interpolation: interpolation) else { continue }
            let question = entry.string("question", required: true)
            let entryID = entry.string("id") ?? "\(id)-\(index + 1)"
            let answer = texts.read(&entry, "answer", what: "answer of '\(entryID)'", required: true)
            guard let question, let answer else { continue }
            if let first = entryIDs[entryID] {
                collector.error("duplicate knowledge base id '\(entryID)'", at: entry.node("id"), hint: "first used at line \(first.mark?.line ?? 0)")
            } else {
                entryIDs[entryID] = entry.node("id") ?? entryNode
            }
            definition.knowledgeBase.append(
                KnowledgeEntry(
                    id: entryID, category: entry.string("category") ?? "general", question: question, answer: answer.base,
                    examples: entry.stringList("examples") ?? [], answerTranslations: answer.translations
                )
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
        texts.warnMissingTranslations()

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
        checkRemoteModuleSettings(module: module, settingsNode: reader.node("settings"), moduleNode: reader.node("module"), agentID: id)
        return AgentDraft(definition: definition, moduleNode: reader.node("module"), middlewareNodes: middlewareNodes)
    }

    /// `synonyms:` a mapping of a word to the words customers write for it.
    private func readSynonyms(_ reader: inout YAMLMappingReader) -> [String: [String]] {
        guard let node = reader.node("synonyms") else { return [:] }
        guard let mapping = node.mapping else {
            collector.error("'synonyms' must be a mapping of a word to a list of words", at: node, hint: "e.g. `shop: [store, boutique, ma7al]`")
            return [:]
        }
        var synonyms: [String: [String]] = [:]
        for (keyNode, valueNode) in mapping {
            guard let word = keyNode.scalar?.string, let list = valueNode.sequence else {
                collector.error("a synonym is `word: [other, words]`", at: valueNode)
                continue
            }
            synonyms[word] = list.compactMap { $0.scalar?.string }
        }
        return synonyms
    }

    // MARK: - Settings of the built-in remote modules

    /// The `settings:` keys of the `http` and `llm` modules (SwiftRepliesRemoteAgents reads them;
    /// see docs/remote-agents.md). Other modules' settings are passed to the module unchecked.
    static let remoteModuleSettingsKeys: [String: [String]] = [
        "http": ["url", "secret", "timeout_seconds", "retries", "history_limit", "fallback_message"],
        "llm": ["base_url", "model", "api_key", "temperature", "max_tokens", "timeout_seconds", "retries", "history_limit", "fallback_message"],
    ]

    /// Checks the settings of an `http` or `llm` agent where they are written: unknown keys, missing
    /// URL or model, wrong types and ranges become errors with line and column; an unset `${VAR}`
    /// secret or API key is a warning (the agent then answers with its fallback message).
    private func checkRemoteModuleSettings(module: String, settingsNode: Node?, moduleNode: Node?, agentID: String) {
        guard let known = Self.remoteModuleSettingsKeys[module] else { return }
        let required = module == "http" ? ["url", "secret"] : ["base_url", "model"]
        guard let settingsNode else {
            collector.error(
                "module '\(module)' needs settings: \(required.joined(separator: ", "))", at: moduleNode,
                hint: module == "http"
                    ? "add `settings:` with `url: https://...` and `secret: ${HTTP_AGENT_SECRET}` (docs/remote-agents.md)"
                    : "add `settings:` with `base_url: https://api.openai.com/v1` and `model: ...` (docs/remote-agents.md)"
            )
            return
        }
        let what = "settings of module '\(module)'"
        guard var settings = YAMLMappingReader(settingsNode, what: what, known: known, collector: collector, interpolation: interpolation) else { return }

        let urlKey = module == "http" ? "url" : "base_url"
        let urlHint = module == "http" ? "the address of your agent server, e.g. `url: https://bot.example.com/turn`" : "e.g. `base_url: https://api.openai.com/v1`"
        if let url = settings.string(urlKey, required: true, hint: urlHint), let node = settings.node(urlKey) {
            if url.isEmpty {
                collector.error("'\(urlKey)' in \(what) is empty", at: node, hint: "is the ${VAR} it names set?")
            } else if !(url.hasPrefix("http://") || url.hasPrefix("https://")) || url.count <= "https://".count {
                collector.error("'\(urlKey)' in \(what) must start with http:// or https://, found '\(url)'", at: node)
            }
        }
        if module == "llm", let model = settings.string("model", required: true, hint: "e.g. `model: gpt-4o-mini`"), model.isEmpty, let node = settings.node("model") {
            collector.error("'model' in \(what) is empty", at: node, hint: "is the ${VAR} it names set?")
        }
        if module == "http" {
            _ = settings.string("secret", required: true, hint: "`secret: ${HTTP_AGENT_SECRET}` signs every request; your server checks it")
        } else {
            _ = settings.string("api_key")
        }
        _ = settings.string("fallback_message")
        if let seconds = settings.double("timeout_seconds", minimum: 0.001), seconds > 600 {
            collector.error("'timeout_seconds' in \(what) must be at most 600, found \(seconds)", at: settings.node("timeout_seconds"))
        }
        if let retries = settings.int("retries"), retries > 5 {
            collector.error("'retries' in \(what) must be at most 5, found \(retries)", at: settings.node("retries"))
        }
        if let limit = settings.int("history_limit"), limit > 200 {
            collector.error("'history_limit' in \(what) must be at most 200, found \(limit)", at: settings.node("history_limit"))
        }
        if module == "llm" {
            if let temperature = settings.double("temperature"), temperature > 2 {
                collector.error("'temperature' in \(what) must be between 0 and 2, found \(temperature)", at: settings.node("temperature"))
            }
            _ = settings.int("max_tokens", minimum: 1)
        }
        for reference in settings.unsetReferences {
            let secretKey = module == "http" ? "secret" : "api_key"
            if settings.node(secretKey).map({ $0 == reference.node }) ?? false {
                collector.warning(
                    "${\(reference.name)} is not set: agent '\(agentID)' answers every turn with its fallback message", at: reference.node,
                    hint: "export \(reference.name)=... before starting"
                )
            }
        }
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
