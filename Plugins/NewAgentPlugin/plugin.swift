import Foundation
import PackagePlugin

/// `swift package --allow-writing-to-package-directory new-agent <name>`: scaffolds a custom
/// agent module.
///
/// For a snake_case `name` (`faq_bot`) it writes:
/// - `Sources/SwiftRepliesCustomAgents/FaqBotAgent.swift`: the `AgentModule`, documented, that
///   greets, answers from the knowledge base hits and falls back;
/// - a line in `Sources/SwiftRepliesCustomAgents/CustomAgentList.swift`, which registers the
///   module under `name` (so `swiftreplies validate`, `chat` and `serve` know it);
/// - `agents/faq_bot.yaml`: an agent that uses the module, with a small knowledge base;
/// - `Tests/SwiftRepliesTests/CustomAgents/FaqBotAgentTests.swift`: a scripted conversation
///   through the test kit.
///
/// It refuses names that are not snake_case identifiers, names of built-in modules, and any
/// file that already exists: nothing is overwritten, and nothing is written unless everything
/// can be.
@main
struct NewAgentPlugin: CommandPlugin {
    func performCommand(context: PluginContext, arguments: [String]) async throws {
        if arguments.contains("--help") || arguments.contains("-h") {
            print(Self.usage)
            return
        }
        let names = arguments.filter { !$0.hasPrefix("-") }
        let unknownOptions = arguments.filter { $0.hasPrefix("-") }
        guard unknownOptions.isEmpty else { throw NewAgentError("unknown option \(unknownOptions.joined(separator: ", "))\n\n\(Self.usage)") }
        guard names.count == 1, let rawName = names.first else {
            throw NewAgentError("give exactly one agent name\n\n\(Self.usage)")
        }
        let name = try AgentName(validating: rawName)
        let scaffold = Scaffold(name: name, packageDirectory: context.package.directoryURL)
        try scaffold.write()
        print(scaffold.summary)
    }

    static let usage = """
        usage: swift package --allow-writing-to-package-directory new-agent <name>

        Scaffolds a custom agent module named <name> (snake_case, e.g. faq_bot): its Swift file and
        registration in Sources/SwiftRepliesCustomAgents/, agents/<name>.yaml and a test in
        Tests/SwiftRepliesTests/CustomAgents/. Existing files are never overwritten.
        """
}

/// A failure the user can fix; printed as the plugin's error.
struct NewAgentError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A validated agent name and the Swift names derived from it.
struct AgentName {
    /// The snake_case name: the module name (`module:` in YAML) and the agent id.
    let snake: String
    /// The module's Swift type: `faq_bot` → `FaqBotAgent`, `demo_agent` → `DemoAgent`.
    let typeName: String
    /// Words for people: `faq_bot` → `Faq Bot`.
    let title: String

    /// Module names the package ships; a custom module may not take them.
    static let builtInModules: Set<String> = ["sales", "http", "llm"]
    /// Type names the custom agents target already uses.
    static let reservedTypeNames: Set<String> = ["CustomAgents", "CustomAgentModule", "CustomAgentList"]

    init(validating name: String) throws {
        let valid = name.utf8.first.map { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) } == true
            && name.utf8.allSatisfy { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: "_") }
            && !name.hasSuffix("_") && !name.contains("__")
        guard valid else {
            throw NewAgentError(
                "'\(name)' is not a snake_case identifier: use lower-case letters, digits and single underscores, starting with a letter (e.g. faq_bot)")
        }
        guard name.count <= 64 else { throw NewAgentError("'\(name)' is too long (at most 64 characters)") }
        guard !Self.builtInModules.contains(name) else {
            throw NewAgentError("'\(name)' is a built-in module (\(Self.builtInModules.sorted().joined(separator: ", "))); choose another name")
        }
        let words = name.split(separator: "_").map(String.init)
        let camel = words.map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
        let typeName = camel.hasSuffix("Agent") ? camel : camel + "Agent"
        guard !Self.reservedTypeNames.contains(typeName) else {
            throw NewAgentError("'\(name)' would be named \(typeName), which the custom agents target already uses; choose another name")
        }
        self.snake = name
        self.typeName = typeName
        self.title = words.map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined(separator: " ")
    }
}

/// The files `new-agent` writes for one agent, and how.
struct Scaffold {
    let name: AgentName
    let packageDirectory: URL

    static let listBeginMarker = "// new-agent: begin module list"
    static let listEndMarker = "// new-agent: end module list"

    var agentSource: URL { packageDirectory.appendingPathComponent("Sources/SwiftRepliesCustomAgents/\(name.typeName).swift") }
    var moduleList: URL { packageDirectory.appendingPathComponent("Sources/SwiftRepliesCustomAgents/CustomAgentList.swift") }
    var agentYAML: URL { packageDirectory.appendingPathComponent("agents/\(name.snake).yaml") }
    var testSource: URL { packageDirectory.appendingPathComponent("Tests/SwiftRepliesTests/CustomAgents/\(name.typeName)Tests.swift") }

    func relative(_ url: URL) -> String {
        let root = packageDirectory.standardizedFileURL.path
        let path = url.standardizedFileURL.path
        return path.hasPrefix(root + "/") ? String(path.dropFirst(root.count + 1)) : path
    }

    /// Checks everything first, then writes: the new files, then the registration line.
    func write() throws {
        let manager = FileManager.default
        let existing = [agentSource, agentYAML, testSource].filter { manager.fileExists(atPath: $0.path) }
        guard existing.isEmpty else {
            throw NewAgentError(
                "not overwriting \(existing.map(relative).joined(separator: ", ")); remove \(existing.count == 1 ? "it" : "them") or choose another name")
        }
        let list = try updatedModuleList()
        for directory in [agentSource, agentYAML, testSource].map({ $0.deletingLastPathComponent() }) {
            try manager.createDirectory(at: directory, withIntermediateDirectories: true)
        }
        try Templates.agentSource(name).write(to: agentSource, atomically: true, encoding: .utf8)
        try Templates.agentYAML(name).write(to: agentYAML, atomically: true, encoding: .utf8)
        try Templates.test(name).write(to: testSource, atomically: true, encoding: .utf8)
        try list.write(to: moduleList, atomically: true, encoding: .utf8)
    }

    /// `CustomAgentList.swift` with this module's line added before the end marker.
    func updatedModuleList() throws -> String {
        guard let text = try? String(contentsOf: moduleList, encoding: .utf8) else {
            throw NewAgentError("\(relative(moduleList)) is missing; restore it from git (it holds the module list new-agent edits)")
        }
        var lines = text.components(separatedBy: "\n")
        let trimmed = lines.map { $0.trimmingCharacters(in: .whitespaces) }
        guard let begin = trimmed.firstIndex(of: Self.listBeginMarker), let end = trimmed.firstIndex(of: Self.listEndMarker), begin < end else {
            throw NewAgentError("\(relative(moduleList)) has lost its markers '\(Self.listBeginMarker)' and '\(Self.listEndMarker)'; restore them around the module list")
        }
        if trimmed[begin..<end].contains(where: { $0.contains("name: \"\(name.snake)\"") }) {
            throw NewAgentError("a module named '\(name.snake)' is already registered in \(relative(moduleList))")
        }
        let indentation = String(lines[end].prefix { $0 == " " })
        lines.insert("\(indentation)CustomAgentModule(name: \"\(name.snake)\") { \(name.typeName)(context: $0) },", at: end)
        return lines.joined(separator: "\n")
    }

    var summary: String {
        """
        Created the agent module '\(name.snake)':
          \(relative(agentSource))   the module (\(name.typeName): AgentModule)
          \(relative(agentYAML))   an agent that uses it
          \(relative(testSource))   its test
        Registered it in \(relative(moduleList)).

        Next steps:
          1. Point a chatbot at it: in tenants.yaml, set `agent: \(name.snake)` on a chatbot, or add one
             to a tenant (chatbot ids are unique across tenants; each number belongs to one chatbot):
               chatbots:
                 - id: \(name.snake.replacingOccurrences(of: "_", with: "-"))
                   name: \(name.title)
                   agent: \(name.snake)
                   channels:
                     - account: meta_main
                       number: "+961 1 234 567"
                       phone_number_id: "9611234567"
          2. Check the configuration:  swift run swiftreplies validate
          3. Talk to it:               swift run swiftreplies chat --chatbot \(name.snake.replacingOccurrences(of: "_", with: "-"))
          4. Run its test:             swift build --build-tests && swift test --skip-build --filter \(name.typeName)Tests
          5. Edit \(relative(agentYAML)) while `swiftreplies serve` runs: it reloads the agent
             without a restart. Changes to the Swift file need a rebuild and restart.
        See docs/writing-an-agent.md.
        """
    }
}
