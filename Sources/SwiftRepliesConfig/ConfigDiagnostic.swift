/// One problem found in the configuration, with where it is and how to fix it.
public struct ConfigDiagnostic: Sendable, Hashable, CustomStringConvertible {
    /// Errors stop a configuration from being applied; warnings do not (unless `--strict`).
    public enum Severity: String, Sendable, Hashable { case error, warning }

    public var severity: Severity
    public var file: String
    public var line: Int
    public var column: Int
    public var message: String
    public var hint: String?

    public init(severity: Severity = .error, file: String, line: Int, column: Int, message: String, hint: String? = nil) {
        self.severity = severity
        self.file = file
        self.line = line
        self.column = column
        self.message = message
        self.hint = hint
    }

    /// `file:line:column: message` (warnings say so), then the hint on the same line.
    public var description: String {
        let prefix = severity == .warning ? "warning: " : ""
        let base = "\(file):\(line):\(column): \(prefix)\(message)"
        guard let hint else { return base }
        return base + " (hint: \(hint))"
    }
}

/// A configuration that cannot be applied, with every problem found in it.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [ConfigDiagnostic]

    public init(diagnostics: [ConfigDiagnostic]) { self.diagnostics = diagnostics }

    public var errors: [ConfigDiagnostic] { diagnostics.filter { $0.severity == .error } }

    public var description: String { errors.map(\.description).joined(separator: "\n") }
}

/// Suggests the closest known word for a misspelt one ("did you mean ...?").
enum Suggestion {
    static func closest(to word: String, in candidates: [String]) -> String? {
        var best: (String, Int)?
        for candidate in candidates {
            let distance = levenshtein(word.lowercased(), candidate.lowercased())
            if distance <= max(2, candidate.count / 3), best.map({ distance < $0.1 }) ?? true {
                best = (candidate, distance)
            }
        }
        return best?.0
    }

    static func levenshtein(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = Swift.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
