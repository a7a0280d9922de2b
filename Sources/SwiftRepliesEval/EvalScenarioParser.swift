import Foundation
import Yams

/// Reads scenario files (see `EvalFile`), reporting every mistake as `file:line:column: message`.
public struct EvalScenarioParser: Sendable {
    static let fileKeys: Set<String> = ["chatbot", "agent", "cases"]
    static let caseKeys: Set<String> = ["name", "language", "turns", "say", "expect", "after"]
    static let stepKeys: Set<String> = ["say", "instruct", "expect"]
    static let expectKeys: Set<String> = ["contains", "any", "not_contains", "language", "intent", "escalation", "order", "silent", "instruction"]
    static let afterKeys: Set<String> = ["action", "takeover", "order"]
    static let languages: Set<String> = ["en", "fr", "ar", "arabizi"]

    public init() {}

    /// The scenario files at `path`: the file itself, or every `.yaml`/`.yml` file under the
    /// folder, sorted by path.
    public static func scenarioPaths(at path: String) throws -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw EvalParseError(messages: ["\(path): no such file or folder"])
        }
        guard isDirectory.boolValue else { return [path] }
        let enumerator = FileManager.default.enumerator(atPath: path)
        var found: [String] = []
        while let relative = enumerator?.nextObject() as? String {
            if relative.hasSuffix(".yaml") || relative.hasSuffix(".yml") { found.append((path as NSString).appendingPathComponent(relative)) }
        }
        return found.sorted()
    }

    /// Parses every scenario file at `path`; throws `EvalParseError` with all the mistakes.
    public func parse(path: String) throws -> [EvalFile] {
        var files: [EvalFile] = []
        var messages: [String] = []
        for file in try Self.scenarioPaths(at: path) {
            do {
                let text = try String(contentsOfFile: file, encoding: .utf8)
                files.append(try parse(text, path: file))
            } catch let error as EvalParseError {
                messages += error.messages
            } catch {
                messages.append("\(file): \(error)")
            }
        }
        if !messages.isEmpty { throw EvalParseError(messages: messages) }
        return files
    }

    /// Parses one scenario file's text.
    public func parse(_ text: String, path: String) throws -> EvalFile {
        var context = Context(path: path)
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw EvalParseError(messages: ["\(path): not valid YAML: \(error)"])
        }
        var file = EvalFile(path: path, cases: [])
        switch root {
        case .some(.mapping(let mapping)):
            context.checkKeys(mapping, known: Self.fileKeys, what: "scenario file")
            file.chatbot = mapping["chatbot"].flatMap { context.string($0, key: "chatbot") }
            file.agent = mapping["agent"].flatMap { context.string($0, key: "agent") }
            if let cases = mapping["cases"] {
                file.cases = context.sequence(cases, key: "cases").enumerated().compactMap { parseCase($0.element, index: $0.offset, context: &context) }
            } else {
                context.error("missing `cases:`", at: root)
            }
        case .some(.sequence(let sequence)):
            file.cases = sequence.enumerated().compactMap { parseCase($0.element, index: $0.offset, context: &context) }
        default:
            context.error("a scenario file is a mapping with `cases:` (or a list of cases)", at: root)
        }
        if !context.messages.isEmpty { throw EvalParseError(messages: context.messages) }
        return file
    }

    private func parseCase(_ node: Node, index: Int, context: inout Context) -> EvalCase? {
        guard let mapping = node.mapping else {
            context.error("a case is a mapping (`name`, `language`, `turns` or `say`/`expect`, `after`)", at: node)
            return nil
        }
        context.checkKeys(mapping, known: Self.caseKeys, what: "case")
        let language = mapping["language"].flatMap { context.language($0) }
        var steps: [EvalStep] = []
        if let turns = mapping["turns"] {
            if mapping["say"] != nil { context.error("a case has either `turns:` or `say:`, not both", at: mapping["say"]) }
            for stepNode in context.sequence(turns, key: "turns") {
                if let step = parseStep(stepNode, context: &context) { steps.append(step) }
            }
        } else if let say = mapping["say"] {
            let checks = mapping["expect"].map { parseExpect($0, context: &context) } ?? []
            if let text = context.string(say, key: "say") { steps.append(EvalStep(action: .say(text), checks: checks)) }
        } else {
            context.error("a case needs `turns:` or `say:`", at: node)
        }
        if mapping["turns"] != nil, let expect = mapping["expect"] {
            context.error("with `turns:`, put `expect:` under each turn", at: expect)
        }
        if mapping["turns"] != nil, !steps.contains(where: { if case .say = $0.action { return true } else { return false } }) {
            context.error("a case needs at least one customer turn (`say:`)", at: node)
        }
        let after = mapping["after"].map { parseAfter($0, context: &context) } ?? []
        let firstSay = steps.lazy.compactMap { step -> String? in if case .say(let text) = step.action { return text } else { return nil } }.first
        let name = mapping["name"].flatMap { context.string($0, key: "name") } ?? firstSay ?? "case \(index + 1)"
        return EvalCase(name: name, language: language, steps: steps, after: after, line: (node.mark?.line ?? 0))
    }

    private func parseStep(_ node: Node, context: inout Context) -> EvalStep? {
        if let text = node.scalar?.string { return EvalStep(action: .say(text)) }
        guard let mapping = node.mapping else {
            context.error("a turn is a mapping with `say:` (and `expect:`) or `instruct:`", at: node)
            return nil
        }
        context.checkKeys(mapping, known: Self.stepKeys, what: "turn")
        let checks = mapping["expect"].map { parseExpect($0, context: &context) } ?? []
        if let say = mapping["say"], let text = context.string(say, key: "say") { return EvalStep(action: .say(text), checks: checks) }
        if let instruct = mapping["instruct"], let text = context.string(instruct, key: "instruct") {
            if !checks.isEmpty { context.error("an `instruct:` step runs no turn; put `expect:` on the next `say:`", at: mapping["expect"]) }
            return EvalStep(action: .instruct(text))
        }
        context.error("a turn needs `say:` or `instruct:`", at: node)
        return nil
    }

    private func parseExpect(_ node: Node, context: inout Context) -> [EvalCheck] {
        guard let mapping = node.mapping else {
            context.error("`expect:` is a mapping (\(Self.expectKeys.sorted().joined(separator: ", ")))", at: node)
            return []
        }
        context.checkKeys(mapping, known: Self.expectKeys, what: "expect")
        var checks: [EvalCheck] = []
        if let value = mapping["contains"] { checks.append(.contains(context.strings(value, key: "contains"))) }
        if let value = mapping["any"] { checks.append(.containsAny(context.strings(value, key: "any"))) }
        if let value = mapping["not_contains"] { checks.append(.containsNone(context.strings(value, key: "not_contains"))) }
        if let value = mapping["language"], let language = context.language(value) { checks.append(.language(language)) }
        if let value = mapping["intent"], let intent = context.string(value, key: "intent") { checks.append(.intent(intent)) }
        if let value = mapping["escalation"], let type = context.string(value, key: "escalation") {
            checks.append(type == "none" ? .noEscalation : .escalation(type))
        }
        if let value = mapping["order"], let order = parseOrder(value, context: &context) { checks.append(order) }
        if let value = mapping["silent"], context.bool(value, key: "silent") == true { checks.append(.silent) }
        if let value = mapping["instruction"], let text = context.string(value, key: "instruction") { checks.append(.instruction(text)) }
        return checks
    }

    private func parseAfter(_ node: Node, context: inout Context) -> [EvalCheck] {
        guard let mapping = node.mapping else {
            context.error("`after:` is a mapping (action, takeover, order)", at: node)
            return []
        }
        context.checkKeys(mapping, known: Self.afterKeys, what: "after")
        var checks: [EvalCheck] = []
        if let value = mapping["action"], let type = context.string(value, key: "action") { checks.append(type == "none" ? .noAction : .action(type)) }
        if let value = mapping["takeover"], context.bool(value, key: "takeover") == true { checks.append(.takeover) }
        if let value = mapping["order"], let order = parseOrder(value, context: &context) { checks.append(order) }
        return checks
    }

    /// `none`, a sku, `{SKU: quantity}`, or a list of `{sku:, quantity:}` / `"2 × SKU"`.
    private func parseOrder(_ node: Node, context: inout Context) -> EvalCheck? {
        if let text = node.scalar?.string {
            if text == "none" { return .noOrder }
            return .order([Self.orderLine(text)])
        }
        if let mapping = node.mapping, mapping["sku"] == nil {
            var lines: [EvalOrderLine] = []
            for (key, value) in mapping {
                guard let sku = key.scalar?.string, let quantity = value.scalar.flatMap({ Int($0.string) }) else {
                    context.error("an order is `{SKU: quantity}`", at: value)
                    continue
                }
                lines.append(EvalOrderLine(sku: sku, quantity: quantity))
            }
            return .order(lines)
        }
        let items = node.sequence.map(Array.init) ?? [node]
        var lines: [EvalOrderLine] = []
        for item in items {
            if let text = item.scalar?.string {
                lines.append(Self.orderLine(text))
            } else if let mapping = item.mapping, let sku = mapping["sku"]?.scalar?.string {
                context.checkKeys(mapping, known: ["sku", "quantity"], what: "order line")
                let quantity = mapping["quantity"].flatMap { $0.scalar.flatMap { Int($0.string) } }
                if mapping["quantity"] != nil, quantity == nil { context.error("quantity must be a whole number", at: mapping["quantity"]) }
                lines.append(EvalOrderLine(sku: sku, quantity: quantity))
            } else {
                context.error("an order line is `{sku: SKU, quantity: N}` or `N × SKU`", at: item)
            }
        }
        return .order(lines)
    }

    /// `2 × SKU`, `2 x SKU` or `SKU`.
    static func orderLine(_ text: String) -> EvalOrderLine {
        let parts = text.split(whereSeparator: { $0 == " " })
        if parts.count == 3, let quantity = Int(parts[0]), parts[1] == "×" || parts[1] == "x" { return EvalOrderLine(sku: String(parts[2]), quantity: quantity) }
        return EvalOrderLine(sku: text)
    }

    /// Messages of one file, and helpers that read nodes and report mistakes.
    private struct Context {
        let path: String
        var messages: [String] = []

        mutating func error(_ message: String, at node: Node?) {
            let mark = node?.mark
            messages.append("\(path):\(mark?.line ?? 1):\(mark?.column ?? 1): \(message)")
        }

        mutating func checkKeys(_ mapping: Node.Mapping, known: Set<String>, what: String) {
            for key in mapping.keys {
                guard let name = key.scalar?.string, !known.contains(name) else { continue }
                let suggestion = known.min { Self.distance(name, $0) < Self.distance(name, $1) }
                let hint = suggestion.map { Self.distance(name, $0) <= 3 ? " (did you mean `\($0)`?)" : "" } ?? ""
                error("unknown key `\(name)` in \(what)\(hint); known: \(known.sorted().joined(separator: ", "))", at: key)
            }
        }

        mutating func string(_ node: Node, key: String) -> String? {
            guard let scalar = node.scalar else {
                error("`\(key)` must be text", at: node)
                return nil
            }
            return scalar.string
        }

        mutating func strings(_ node: Node, key: String) -> [String] {
            if let scalar = node.scalar { return [scalar.string] }
            guard let sequence = node.sequence else {
                error("`\(key)` must be text or a list of texts", at: node)
                return []
            }
            return sequence.compactMap { string($0, key: key) }
        }

        mutating func sequence(_ node: Node, key: String) -> [Node] {
            guard let sequence = node.sequence else {
                error("`\(key)` must be a list", at: node)
                return []
            }
            return Array(sequence)
        }

        mutating func bool(_ node: Node, key: String) -> Bool? {
            guard let text = node.scalar?.string.lowercased(), let value = Bool(text) else {
                error("`\(key)` must be true or false", at: node)
                return nil
            }
            return value
        }

        mutating func language(_ node: Node) -> String? {
            guard let text = string(node, key: "language") else { return nil }
            guard EvalScenarioParser.languages.contains(text) else {
                error("unknown language '\(text)'; use en, fr, ar or arabizi", at: node)
                return nil
            }
            return text
        }

        static func distance(_ a: String, _ b: String) -> Int {
            let a = Array(a)
            let b = Array(b)
            guard !a.isEmpty else { return b.count }
            guard !b.isEmpty else { return a.count }
            var previous = Array(0...b.count)
            for i in 1...a.count {
                var current = [i] + Array(repeating: 0, count: b.count)
                for j in 1...b.count {
                    current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
                }
                previous = current
            }
            return previous[b.count]
        }
    }
}

/// Mistakes in scenario files, each as `file:line:column: message`.
public struct EvalParseError: Error, CustomStringConvertible, Sendable {
    public var messages: [String]

    public init(messages: [String]) {
        self.messages = messages
    }

    public var description: String { messages.joined(separator: "\n") }
}
