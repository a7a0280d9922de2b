import Yams

/// Collects diagnostics while one file is read; never stops at the first problem.
final class DiagnosticCollector {
    let file: String
    private(set) var diagnostics: [ConfigDiagnostic] = []

    init(file: String) { self.file = file }

    func error(_ message: String, at node: Node?, hint: String? = nil) {
        add(.error, message, at: node?.mark, hint: hint)
    }

    func warning(_ message: String, at node: Node?, hint: String? = nil) {
        add(.warning, message, at: node?.mark, hint: hint)
    }

    func add(_ severity: ConfigDiagnostic.Severity, _ message: String, at mark: Mark?, hint: String? = nil) {
        diagnostics.append(ConfigDiagnostic(severity: severity, file: file, line: mark?.line ?? 1, column: mark?.column ?? 1, message: message, hint: hint))
    }
}
