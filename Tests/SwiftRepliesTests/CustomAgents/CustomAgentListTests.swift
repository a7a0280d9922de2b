import Foundation
import SwiftRepliesCustomAgents
import SwiftRepliesRuntime
import Testing

/// The contract between `swift package new-agent` and the custom agents target: the list file
/// keeps the markers the plugin edits between, and every module listed there is registered in
/// the registries `validate`, `chat` and `serve` use.
@Suite struct CustomAgentListTests {
    static let listFile = RepositoryPaths.root.appendingPathComponent("Sources/SwiftRepliesCustomAgents/CustomAgentList.swift")

    @Test func theListKeepsTheMarkersNewAgentEditsBetween() throws {
        let lines = try String(contentsOf: Self.listFile, encoding: .utf8).components(separatedBy: "\n").map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        let begin = try #require(lines.firstIndex(of: "// new-agent: begin module list"))
        let end = try #require(lines.firstIndex(of: "// new-agent: end module list"))
        #expect(begin < end)
        let entries = lines[(begin + 1)..<end].filter { !$0.isEmpty && !$0.hasPrefix("//") }
        #expect(entries.count == CustomAgents.names.count, "one line per module: \(entries)")
    }

    @Test func everyListedModuleIsRegisteredInTheBuiltInRegistries() {
        let registries = ModuleRegistries.builtIn()
        for name in CustomAgents.names {
            #expect(registries.agents.contains(name), "custom module \(name) is not registered")
            #expect(name.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "_" }, "\(name) is not snake_case")
        }
        #expect(Set(CustomAgents.names).count == CustomAgents.names.count, "a module is listed twice")
    }
}
