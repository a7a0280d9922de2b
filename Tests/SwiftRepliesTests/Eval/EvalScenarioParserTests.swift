import Foundation
import SwiftRepliesEval
import Testing

/// Scenario files as `swiftreplies eval` reads them: both case forms, every check, and mistakes
/// reported with their line and column.
@Suite struct EvalScenarioParserTests {
    @Test func readsSingleTurnAndMultiTurnCases() throws {
        let text = """
            chatbot: ecla-main
            cases:
              - name: price
                language: fr
                say: "combien le kit ?"
                expect: {contains: ["49", "USD"], any: [kit, Kit], not_contains: "fallback", intent: price, order: none, escalation: none}
              - language: ar
                turns:
                  - instruct: "offer free delivery"
                  - say: "بدي ٢ قلم"
                    expect: {order: {ECLA-PEN-01: 2}, language: ar, instruction: "free delivery"}
                  - "ايه"
                after: {action: refund, takeover: true, order: ["2 × ECLA-PEN-01", {sku: ECLA-KIT-01}]}
            """
        let file = try EvalScenarioParser().parse(text, path: "x.yaml")
        #expect(file.chatbot == "ecla-main")
        #expect(file.cases.count == 2)
        let first = file.cases[0]
        #expect(first.name == "price")
        #expect(first.language == "fr")
        #expect(first.line == 3)
        #expect(first.steps == [
            EvalStep(action: .say("combien le kit ?"), checks: [
                .contains(["49", "USD"]), .containsAny(["kit", "Kit"]), .containsNone(["fallback"]), .intent("price"), .noEscalation, .noOrder,
            ])
        ])
        let second = file.cases[1]
        #expect(second.name == "بدي ٢ قلم", "a case without a name is named after its first message")
        #expect(second.turnCount == 2)
        #expect(second.steps[0] == EvalStep(action: .instruct("offer free delivery")))
        #expect(second.steps[1].checks == [.language("ar"), .order([EvalOrderLine(sku: "ECLA-PEN-01", quantity: 2)]), .instruction("free delivery")])
        #expect(second.steps[2] == EvalStep(action: .say("ايه")))
        #expect(second.after == [.action("refund"), .takeover, .order([EvalOrderLine(sku: "ECLA-PEN-01", quantity: 2), EvalOrderLine(sku: "ECLA-KIT-01")])])
    }

    @Test func reportsEveryMistakeWithLineAndColumn() throws {
        let text = """
            cases:
              - name: typo
                say: "hi"
                expcet: {intent: greeting}
              - name: no turn
                language: klingon
              - say: "hi"
                expect: {order: {ECLA-PEN-01: two}}
            """
        let error = try #require(throws: EvalParseError.self) { try EvalScenarioParser().parse(text, path: "bad.yaml") }
        #expect(error.messages.contains { $0.hasPrefix("bad.yaml:4:5: unknown key `expcet` in case (did you mean `expect`?)") }, "\(error.messages)")
        #expect(error.messages.contains { $0.hasPrefix("bad.yaml:6:15: unknown language 'klingon'") }, "\(error.messages)")
        #expect(error.messages.contains { $0.hasPrefix("bad.yaml:5:5: a case needs `turns:` or `say:`") }, "\(error.messages)")
        #expect(error.messages.contains { $0.hasPrefix("bad.yaml:8:") && $0.contains("an order is `{SKU: quantity}`") }, "\(error.messages)")
        #expect(error.messages.count == 4, "\(error.messages)")
    }

    @Test func aFolderIsEveryYAMLFileUnderItSorted() throws {
        let directory = try RepositoryPaths.temporaryDirectory("swiftreplies-eval-parse")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("b"), withIntermediateDirectories: true)
        for name in ["b/two.yaml", "a.yml", "notes.txt"] {
            try "- say: hi\n".write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        let files = try EvalScenarioParser().parse(path: directory.path)
        #expect(files.map { ($0.path as NSString).lastPathComponent } == ["a.yml", "two.yaml"])
        #expect(files.allSatisfy { $0.cases.count == 1 })
    }
}
