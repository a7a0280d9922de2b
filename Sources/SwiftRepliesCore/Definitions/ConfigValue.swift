/// A configuration value as it appears in YAML, kept untyped for module-specific settings
/// (an `http` agent's URL, an `llm` agent's model) that core does not know about.
public enum ConfigValue: Sendable, Hashable {
    case string(String)
    case number(Double)
    case bool(Bool)
    case list([ConfigValue])
    case map([String: ConfigValue])
    case null

    /// The value as a string, if it is one (numbers and booleans are rendered).
    public var stringValue: String? {
        switch self {
        case .string(let value): return value
        case .number(let value): return value == value.rounded() ? String(Int(value)) : String(value)
        case .bool(let value): return value ? "true" : "false"
        default: return nil
        }
    }

    /// The value as a number, if it is one.
    public var numberValue: Double? {
        switch self {
        case .number(let value): return value
        case .string(let value): return Double(value)
        default: return nil
        }
    }

    /// The member `key` of a map, or `nil`.
    public subscript(key: String) -> ConfigValue? {
        if case .map(let members) = self { return members[key] }
        return nil
    }
}
