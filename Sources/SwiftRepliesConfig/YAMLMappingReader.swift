import Yams

/// Reads one YAML mapping strictly: unknown keys (with a did-you-mean), duplicate keys, missing
/// fields and wrong types all become diagnostics with the node's line and column.
struct YAMLMappingReader {
    let node: Node
    let what: String
    let collector: DiagnosticCollector
    let interpolation: EnvironmentInterpolation
    private var values: [String: (key: Node, value: Node)] = [:]
    private(set) var keys: [String] = []
    /// `${VAR}` references read through this reader that were not set.
    private(set) var unsetReferences: [(name: String, node: Node)] = []

    /// `nil` (with a diagnostic) when `node` is not a mapping.
    init?(_ node: Node, what: String, known: [String], collector: DiagnosticCollector, interpolation: EnvironmentInterpolation) {
        self.node = node
        self.what = what
        self.collector = collector
        self.interpolation = interpolation
        guard let mapping = node.mapping else {
            collector.error("\(what) must be a mapping, found \(node.kindDescription)", at: node, hint: "write `key: value` lines indented under it")
            return nil
        }
        for (keyNode, value) in mapping {
            guard let key = keyNode.scalar?.string else {
                collector.error("keys of \(what) must be plain words", at: keyNode)
                continue
            }
            if values[key] != nil {
                collector.error("duplicate key '\(key)' in \(what)", at: keyNode, hint: "keep one of them")
                continue
            }
            if !known.contains(key) {
                let suggestion = Suggestion.closest(to: key, in: known)
                collector.error(
                    "unknown key '\(key)' in \(what)", at: keyNode,
                    hint: suggestion.map { "did you mean '\($0)'?" } ?? "known keys: \(known.joined(separator: ", "))"
                )
                continue
            }
            values[key] = (keyNode, value)
            keys.append(key)
        }
    }

    func has(_ key: String) -> Bool { values[key] != nil }

    func node(_ key: String) -> Node? { values[key]?.value }

    func keyNode(_ key: String) -> Node? { values[key]?.key }

    /// The node of a required key, or a "missing field" diagnostic.
    func required(_ key: String, hint: String? = nil) -> Node? {
        if let value = values[key]?.value { return value }
        collector.error("missing field '\(key)' in \(what)", at: node, hint: hint)
        return nil
    }

    /// A scalar as text with `${VAR}` expanded. Wrong types are diagnosed.
    mutating func string(_ key: String, required: Bool = false, hint: String? = nil) -> String? {
        guard let value = required ? self.required(key, hint: hint) : node(key) else { return nil }
        return scalarString(value, key: key)
    }

    mutating func scalarString(_ value: Node, key: String) -> String? {
        guard let scalar = value.scalar else {
            collector.error("'\(key)' in \(what) must be a single value, found \(value.kindDescription)", at: value)
            return nil
        }
        if scalar.tag == Tag(.null) || (scalar.string.isEmpty && scalar.style == .plain) {
            return nil
        }
        let expansion = interpolation.expand(scalar.string)
        for name in expansion.unset { unsetReferences.append((name, value)) }
        return expansion.value
    }

    mutating func int(_ key: String, required: Bool = false, minimum: Int = 0) -> Int? {
        guard let value = required ? self.required(key) : node(key) else { return nil }
        guard let text = scalarString(value, key: key) else { return nil }
        guard let number = Int(text.trimmingCharactersInWhitespace().replacingUnderscoresAndCommas()) else {
            collector.error("'\(key)' in \(what) must be a whole number, found '\(text)'", at: value)
            return nil
        }
        guard number >= minimum else {
            collector.error("'\(key)' in \(what) must be at least \(minimum), found \(number)", at: value)
            return nil
        }
        return number
    }

    mutating func double(_ key: String, required: Bool = false, minimum: Double = 0) -> Double? {
        guard let value = required ? self.required(key) : node(key) else { return nil }
        guard let text = scalarString(value, key: key) else { return nil }
        guard let number = Double(text.trimmingCharactersInWhitespace()) else {
            collector.error("'\(key)' in \(what) must be a number, found '\(text)'", at: value)
            return nil
        }
        guard number >= minimum else {
            collector.error("'\(key)' in \(what) must be at least \(minimum), found \(text)", at: value)
            return nil
        }
        return number
    }

    mutating func bool(_ key: String) -> Bool? {
        guard let value = node(key) else { return nil }
        guard let text = scalarString(value, key: key) else { return nil }
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            collector.error("'\(key)' in \(what) must be true or false, found '\(text)'", at: value)
            return nil
        }
    }

    mutating func stringList(_ key: String) -> [String]? {
        guard let value = node(key) else { return nil }
        guard let sequence = value.sequence else {
            collector.error("'\(key)' in \(what) must be a list, found \(value.kindDescription)", at: value, hint: "write one `- item` per line")
            return nil
        }
        var items: [String] = []
        for item in sequence {
            if let text = scalarString(item, key: key) { items.append(text) }
        }
        return items
    }

    /// The items of a list value (diagnosed when it is not a list).
    func sequence(_ key: String, required: Bool = false) -> [Node]? {
        guard let value = required ? self.required(key) : node(key) else { return nil }
        guard let sequence = value.sequence else {
            collector.error("'\(key)' in \(what) must be a list, found \(value.kindDescription)", at: value, hint: "write one `- item` per line")
            return nil
        }
        return Array(sequence)
    }
}

extension Node {
    var kindDescription: String {
        switch self {
        case .scalar(let scalar): return scalar.string.isEmpty ? "an empty value" : "a single value"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }
}

extension String {
    fileprivate func replacingUnderscoresAndCommas() -> String {
        String(filter { $0 != "_" && $0 != "," })
    }
}
