/// Expands `${VAR}` and `${VAR:-default}` references in configuration strings.
public struct EnvironmentInterpolation: Sendable {
    /// The result of expanding one string.
    public struct Expansion: Sendable, Hashable {
        /// The expanded text (unset references without a default expand to "").
        public var value: String
        /// References that were not set and had no default.
        public var unset: [String]
        /// Whether the text contained any reference.
        public var hadReferences: Bool
    }

    public let environment: [String: String]

    public init(environment: [String: String]) { self.environment = environment }

    public func expand(_ text: String) -> Expansion {
        guard text.contains("${") else { return Expansion(value: text, unset: [], hadReferences: false) }
        var output = ""
        var unset: [String] = []
        var rest = Substring(text)
        while let start = rest.range(of: "${") {
            output += rest[..<start.lowerBound]
            let afterOpen = rest[start.upperBound...]
            guard let close = afterOpen.firstIndex(of: "}") else {
                output += rest[start.lowerBound...]
                rest = ""
                break
            }
            let reference = afterOpen[..<close]
            let name: Substring
            let fallback: Substring?
            if let separator = reference.range(of: ":-") {
                name = reference[..<separator.lowerBound]
                fallback = reference[separator.upperBound...]
            } else {
                name = reference
                fallback = nil
            }
            if let value = environment[String(name)], !value.isEmpty {
                output += value
            } else if let fallback {
                output += fallback
            } else {
                unset.append(String(name))
            }
            rest = afterOpen[afterOpen.index(after: close)...]
        }
        output += rest
        return Expansion(value: output, unset: unset, hadReferences: true)
    }
}
