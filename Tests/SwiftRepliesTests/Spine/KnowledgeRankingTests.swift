import Foundation
import SwiftRepliesConfig
import SwiftRepliesCore
import SwiftRepliesRuntime
import Testing

/// Knowledge base retrieval on held-out, labelled customer questions in English, French, Arabic
/// and Arabizi (Tests/SwiftRepliesTests/Fixtures/kb_labelled/*.tsv).
@Suite struct KnowledgeRankingTests {
    struct Labelled {
        var question: String
        var expectedID: String
        var language: String
    }

    static func labelled(_ agent: String) throws -> [Labelled] {
        let url = RepositoryPaths.fixtures.appendingPathComponent("kb_labelled/\(agent).tsv")
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").dropFirst()
        return lines.compactMap { line in
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count >= 3 else { return nil }
            return Labelled(question: fields[0], expectedID: fields[1], language: fields[2])
        }
    }

    static func snapshot() throws -> ConfigSnapshot {
        try ModuleRegistries.builtIn().configLoader(directory: RepositoryPaths.configDirectory, environment: [:]).load()
    }

    @Test(arguments: ["ecla_sales_agent", "astrosouks_sales_agent"])
    func rightEntryFirstForAtLeast80Percent(agentID: String) throws {
        let agent = try #require(try Self.snapshot().agent(AgentID(agentID)))
        let index = KnowledgeIndex(entries: agent.knowledgeBase)
        let set = try Self.labelled(agentID)
        #expect(set.count >= 30)
        var correct = 0
        var byLanguage: [String: (Int, Int)] = [:]
        var misses: [String] = []
        for item in set {
            let top = index.search(item.question, limit: 1).first?.entry.id
            let hit = top == item.expectedID
            if hit { correct += 1 } else { misses.append("  [\(item.language)] \(item.question) -> \(top ?? "nothing") (expected \(item.expectedID))") }
            let previous = byLanguage[item.language] ?? (0, 0)
            byLanguage[item.language] = (previous.0 + (hit ? 1 : 0), previous.1 + 1)
        }
        let accuracy = Double(correct) / Double(set.count)
        let perLanguage = byLanguage.keys.sorted().map { "\($0) \(byLanguage[$0]!.0)/\(byLanguage[$0]!.1)" }.joined(separator: ", ")
        print("knowledge base ranking \(agentID): \(correct)/\(set.count) right entry first = \(String(format: "%.1f", accuracy * 100))% (\(perLanguage))")
        for miss in misses { print(miss) }
        #expect(Set(set.map(\.language)) == ["en", "fr", "ar", "arabizi"])
        #expect(accuracy >= 0.8, "right entry first for \(correct)/\(set.count)")
    }
}

/// The word forms `KnowledgeIndex` lets meet through its prefix terms.
@Suite struct KnowledgeWordFormTests {
    /// The opening-hours entry is one more that the queries must not pick.
    static let index = KnowledgeIndex(entries: [
        KnowledgeEntry(id: "orders", category: "orders", question: "Comment commander en ligne ?", answer: "Sur le site."),
        KnowledgeEntry(id: "returns", category: "policy", question: "What is your return policy?", answer: "14 days."),
        KnowledgeEntry(id: "hours", category: "store", question: "What are your opening hours?", answer: "9 to 5."),
    ])

    /// A query with another form of an entry's word, the entry's own word, and the entry.
    @Test(arguments: [("ma commande est en retard", "commander", "orders"), ("je veux commandé", "commander", "orders")])
    func formsSharingFiveLettersMeet(query: String, entryWord: String, expected: String) {
        let hit = Self.index.search(query, limit: 1).first
        #expect(hit?.entry.id == expected)
        // Only the prefix term matched: half the weight of the exact word.
        let exact = Self.index.search(entryWord, limit: 1).first
        #expect((hit?.score ?? 0) < (exact?.score ?? 0))
    }

    /// Latin plurals and `-ing` forms are read as their stem: they meet as the word itself.
    @Test(arguments: [("do you take returns", "return", "returns"), ("when are you open", "opening", "hours")])
    func stemmedFormsMeetInFull(query: String, entryWord: String, expected: String) {
        let hit = Self.index.search(query, limit: 1).first
        #expect(hit?.entry.id == expected)
        #expect(hit?.coverage == 1, "every word the index knows is matched")
        let exact = Self.index.search(entryWord, limit: 1).first
        #expect(abs((hit?.score ?? 0) - (exact?.score ?? 0)) < 0.000_1)
    }
}
