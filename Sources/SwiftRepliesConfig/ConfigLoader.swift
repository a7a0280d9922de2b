import Foundation
import SwiftRepliesCore
import Yams

/// Loads `tenants.yaml` and `agents/*.yaml` from a configuration directory into a validated
/// `ConfigSnapshot`, or reports every problem at once.
public struct ConfigLoader: Sendable {
    /// The configuration directory (holds `tenants.yaml` and `agents/`).
    public var directory: String
    public var environment: [String: String]
    /// Agent module names the host has registered (unknown ones are errors).
    public var knownModules: Set<String>
    /// Middleware names the host has registered.
    public var knownMiddleware: Set<String>
    /// Unset `${VAR}` references are errors instead of warnings.
    public var strict: Bool

    public init(directory: String, environment: [String: String], knownModules: Set<String>, knownMiddleware: Set<String>, strict: Bool = false) {
        self.directory = directory
        self.environment = environment
        self.knownModules = knownModules
        self.knownMiddleware = knownMiddleware
        self.strict = strict
    }

    /// The files a configuration is read from, for the watcher.
    public var tenantsFilePath: String { (directory as NSString).appendingPathComponent("tenants.yaml") }
    public var agentsDirectoryPath: String { (directory as NSString).appendingPathComponent("agents") }

    /// Loads and validates everything; throws `ConfigError` with every error (and warnings).
    public func load(revision: Int = 1) throws(ConfigError) -> ConfigSnapshot {
        let interpolation = EnvironmentInterpolation(environment: environment)
        var diagnostics: [ConfigDiagnostic] = []

        // Agents.
        var agentDrafts: [AgentID: AgentDraft] = [:]
        let agentFiles = Self.yamlFiles(in: agentsDirectoryPath)
        for path in agentFiles {
            let collector = DiagnosticCollector(file: displayPath(path))
            let expectedID = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
            if let root = parse(path, collector: collector), let draft = AgentFileReader(collector: collector, interpolation: interpolation, expectedID: expectedID).read(root) {
                if !knownModules.contains(draft.definition.module), !draft.definition.module.isEmpty {
                    collector.error(
                        "unknown module '\(draft.definition.module)'", at: draft.moduleNode,
                        hint: Suggestion.closest(to: draft.definition.module, in: knownModules.sorted()).map { "did you mean '\($0)'?" }
                            ?? "known modules: \(knownModules.sorted().joined(separator: ", "))"
                    )
                }
                for (name, node) in draft.middlewareNodes where !knownMiddleware.contains(name) {
                    collector.error(
                        "unknown middleware '\(name)'", at: node,
                        hint: Suggestion.closest(to: name, in: knownMiddleware.sorted()).map { "did you mean '\($0)'?" }
                            ?? "known middleware: \(knownMiddleware.sorted().joined(separator: ", "))"
                    )
                }
                agentDrafts[draft.definition.id] = draft
            }
            diagnostics += collector.diagnostics
        }

        // Tenants.
        let tenantsCollector = DiagnosticCollector(file: displayPath(tenantsFilePath))
        var contents = TenantsFileContents()
        if let root = parse(tenantsFilePath, collector: tenantsCollector) {
            contents = TenantsFileReader(collector: tenantsCollector, interpolation: interpolation, environment: environment, strict: strict).read(root)
        }

        // Cross-file checks: chatbot ids, numbers, agent references.
        var chatbotIDs: [ChatbotID: Node] = [:]
        var numbers: [String: (chatbot: ChatbotID, node: Node)] = [:]
        for draft in contents.chatbotDrafts {
            let chatbot = draft.definition
            if let first = chatbotIDs[chatbot.id] {
                tenantsCollector.error("duplicate chatbot id '\(chatbot.id)'", at: draft.idNode, hint: "chatbot ids are unique across all tenants; first used at line \(first.mark?.line ?? 0)")
            } else {
                chatbotIDs[chatbot.id] = draft.idNode
            }
            var ownNumbers: Set<String> = []
            for (binding, node) in zip(chatbot.channels, draft.numberNodes) {
                let digits = binding.number.digits
                if let first = numbers[digits], first.chatbot != chatbot.id {
                    tenantsCollector.error(
                        "duplicate number \(digits): already used by chatbot '\(first.chatbot)'", at: node,
                        hint: "a number routes to one chatbot; first used at line \(first.node.mark?.line ?? 0)"
                    )
                } else if !ownNumbers.contains(digits) {
                    numbers[digits] = (chatbot.id, node)
                }
                ownNumbers.insert(digits)
            }
            if !chatbot.agentID.rawValue.isEmpty, agentDrafts[chatbot.agentID] == nil {
                tenantsCollector.error(
                    "unknown agent '\(chatbot.agentID)'", at: draft.agentNode,
                    hint: Suggestion.closest(to: chatbot.agentID.rawValue, in: agentDrafts.keys.map(\.rawValue)).map { "did you mean '\($0)'?" }
                        ?? "add agents/\(chatbot.agentID).yaml"
                )
            }
        }
        diagnostics = tenantsCollector.diagnostics + diagnostics

        let errors = diagnostics.filter { $0.severity == .error }
        guard errors.isEmpty else { throw ConfigError(diagnostics: diagnostics) }

        let switches = HostSwitches(environment: environment)
        var tenants = contents.tenants
        if !switches.multiTenant, let first = tenants.first { tenants = [first] }
        return ConfigSnapshot(
            revision: revision, tenants: tenants, agents: agentDrafts.mapValues(\.definition), accounts: contents.accounts,
            runtime: contents.runtime, switches: switches, warnings: diagnostics
        )
    }

    private func parse(_ path: String, collector: DiagnosticCollector) -> Node? {
        guard let data = FileManager.default.contents(atPath: path) else {
            collector.add(.error, "cannot read \(collector.file)", at: nil, hint: "does the file exist in --config-dir \(directory)?")
            return nil
        }
        guard let text = String(data: data, encoding: .utf8) else {
            collector.add(.error, "\(collector.file) is not UTF-8 text", at: nil)
            return nil
        }
        do {
            guard let node = try Yams.compose(yaml: text) else {
                collector.add(.error, "\(collector.file) is empty", at: nil)
                return nil
            }
            return node
        } catch let error as YamlError {
            switch error {
            case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
                .composer(let context, let problem, let mark, _):
                // The problem is often found far from its cause (an unclosed quote is reported at the
                // end of the file): name where the parser was when it started, too.
                let started = context.map { "\($0.text) started at line \($0.mark.line), column \($0.mark.column); " } ?? ""
                collector.add(.error, "YAML syntax error: \(problem)", at: mark, hint: started + "check indentation and quoting around this line")
            default:
                collector.add(.error, "YAML error: \(error)", at: nil)
            }
            return nil
        } catch {
            collector.add(.error, "YAML error: \(error)", at: nil)
            return nil
        }
    }

    private func displayPath(_ path: String) -> String {
        if directory == "." || directory.isEmpty {
            return path.hasPrefix("./") ? String(path.dropFirst(2)) : path
        }
        return path
    }

    /// `*.yaml` and `*.yml` files of a directory, sorted; empty when it does not exist.
    static func yamlFiles(in directory: String) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        return names.filter { ($0.hasSuffix(".yaml") || $0.hasSuffix(".yml")) && !$0.hasPrefix(".") }.sorted().map {
            (directory as NSString).appendingPathComponent($0)
        }
    }
}
