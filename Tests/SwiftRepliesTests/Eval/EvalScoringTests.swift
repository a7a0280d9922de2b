import Foundation
import SwiftRepliesCore
import SwiftRepliesEval
import Testing

/// Scores of an eval run: content and language apart, per file and per customer language; and
/// the language a reply is read as.
@Suite struct EvalScoringTests {
    private func result(_ file: String, _ language: String?, content: Bool, languageOK: Bool?) -> EvalCaseResult {
        var failures: [EvalFailure] = []
        if !content { failures.append(EvalFailure(turn: 1, sent: "hi", expected: "intent greeting", actual: "intent fallback", isLanguage: false)) }
        if languageOK == false { failures.append(EvalFailure(turn: 1, sent: "hi", expected: "replies in fr", actual: "en", isLanguage: true)) }
        return EvalCaseResult(file: file, name: "case", line: 1, language: language, failures: failures, checksLanguage: languageOK != nil)
    }

    @Test func scoresContentAndLanguageApartPerFileAndLanguage() {
        let report = EvalReport(results: [
            result("a.yaml", "fr", content: true, languageOK: false),
            result("a.yaml", "fr", content: false, languageOK: true),
            result("a.yaml", "en", content: true, languageOK: true),
            result("b.yaml", "en", content: true, languageOK: nil),
        ])
        #expect(report.total.contentPassed == 3 && report.total.cases == 4)
        #expect(report.total.languagePassed == 2 && report.total.languageCases == 3)
        #expect(abs(report.total.overall - 2.0 / 3.0) < 0.000_1)
        #expect(report.byFile.map(\.file) == ["a.yaml", "b.yaml"])
        #expect(report.byFile[0].score.content == 2.0 / 3.0)
        #expect(report.byFile[1].score.language == 1, "a file without language checks scores 1 for language")
        let french = report.byLanguage.first { $0.language == "fr" }?.score
        #expect(french?.content == 0.5 && french?.language == 0.5)
        let text = report.rendered()
        #expect(text.contains("FAIL a.yaml:1: case\n  turn 1 \"hi\"\n    expected: replies in fr\n    actual:   en"), "\(text)")
        #expect(text.contains("a.yaml: content 66.7% (2/3), language 66.7% (2/3)"), "\(text)")
        #expect(text.hasSuffix("total: content 75.0% (3/4), language 66.7% (2/3), 4 cases"), "\(text)")
    }

    @Test(arguments: [
        ("The ECLA Teeth Whitening Kit costs 49 USD. It is our best seller.", "en"),
        ("Le produit ECLA Teeth Whitening Kit coûte 49 USD. Livraison en 1-2 jours.", "fr"),
        ("سعر ECLA Teeth Whitening Kit هو 49 USD. التوصيل خلال يومين.", "ar"),
        ("El ECLA Teeth Whitening Kit se3ro 49 USD. Ayya wa7ad baddak?", "arabizi"),
        ("Hi! Welcome to ECLA, your teeth whitening experts in Lebanon. How can I help you today?", "en"),
    ])
    func readsTheLanguageOfAReply(text: String, language: String) {
        #expect(ReplyLanguageDetector.detect(text) == language)
    }
}
