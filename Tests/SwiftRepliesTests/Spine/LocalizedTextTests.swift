import Foundation
import SwiftRepliesConfig
import SwiftRepliesCore
import SwiftRepliesRuntime
import Testing

/// Per-language texts in agent YAML: a plain string is the default; a mapping gives each
/// language; a text missing a language the agent's other texts have is a warning.
@Suite struct LocalizedTextTests {
    static let agent = """
        id: shop
        module: sales
        greeting:
          en: "Hi!"
          fr: "Bonjour !"
          ar: "مرحبا!"
        fallback: "Sorry, I don't know."
        catalogue:
          - sku: A-1
            name: Lamp
            price: 10
            description:
              en: "A lamp."
              fr: "Une lampe."
        knowledge_base:
          - id: hours
            question: "When are you open?"
            answer:
              en: "9 to 5."
              fr: "De 9h à 17h."
              ar: "من 9 لـ5."
              arabizi: "Men 9 la 5."
        """

    private func load(_ agent: String) throws -> (ConfigSnapshot?, ConfigError?) {
        let directory = try RepositoryPaths.temporaryDirectory("swiftreplies-localized")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("agents"), withIntermediateDirectories: true)
        let tenants = """
            version: 1
            tenants:
              - id: t
                name: T
                chatbots:
                  - id: t-bot
                    name: T bot
                    agent: shop
                    channels: []
            """
        try tenants.write(to: directory.appendingPathComponent("tenants.yaml"), atomically: true, encoding: .utf8)
        try agent.write(to: directory.appendingPathComponent("agents/shop.yaml"), atomically: true, encoding: .utf8)
        do {
            return (try ModuleRegistries.builtIn().configLoader(directory: directory.path, environment: [:]).load(), nil)
        } catch let error as ConfigError {
            return (nil, error)
        }
    }

    @Test func readsTextsPerLanguageAndWarnsAboutMissingOnes() throws {
        let (loaded, error) = try load(Self.agent)
        let snapshot = try #require(loaded, "\(error.map { "\($0.diagnostics)" } ?? "")")
        let agent = try #require(snapshot.agent(AgentID("shop")))
        #expect(agent.greeting == "Hi!")
        #expect(agent.greeting(in: "fr") == "Bonjour !")
        #expect(agent.greeting(in: "arabizi") == "Hi!", "a language without a text gets the default")
        #expect(agent.fallback(in: "ar") == "Sorry, I don't know.")
        #expect(agent.catalogue.first?.description(in: "fr") == "Une lampe.")
        #expect(agent.knowledgeBase.first?.answer(in: "arabizi") == "Men 9 la 5.")
        let warnings = snapshot.warnings.filter { $0.file.hasSuffix("shop.yaml") }.map(\.description)
        #expect(warnings.count == 2, "\(warnings)")
        #expect(warnings.contains { $0.contains(":7:11: warning: fallback has no ar, fr text") }, "\(warnings)")
        #expect(warnings.contains { $0.contains(":13:7: warning: description of 'A-1' has no ar text") }, "\(warnings)")
    }

    @Test func plainStringsAloneWarnAboutNothing() throws {
        let plain = """
            id: shop
            module: sales
            greeting: "Hi!"
            fallback: "Sorry."
            """
        let (loaded, _) = try load(plain)
        let snapshot = try #require(loaded)
        #expect(snapshot.warnings.filter { $0.file.hasSuffix("shop.yaml") }.isEmpty)
        #expect(snapshot.agent(AgentID("shop"))?.greeting(in: "fr") == "Hi!")
    }

    @Test func anUnknownLanguageIsAnError() throws {
        let (_, error) = try load(Self.agent.replacingOccurrences(of: "  fr: \"Bonjour !\"", with: "  de: \"Hallo!\""))
        let diagnostics = try #require(error).diagnostics.map(\.description)
        #expect(diagnostics.contains { $0.contains("shop.yaml:5:3: unknown language 'de' in greeting") }, "\(diagnostics)")
    }
}
