@testable import SwiftRepliesAgents
import SwiftRepliesCore
import Testing

/// The sales agent's reading of a customer's words: questions and the language they write in.
struct SalesWordingTests {
    @Test(arguments: [
        ("Do you deliver to Tripoli", true), ("delivery to Tripoli?", true), ("في توصيل؟", true), ("بدي اطلب", false),
        ("I want 2 pens", false), ("kif fine ekhod", true), ("", false), ("ok ¿", false),
    ])
    func tellsAQuestionFromAStatement(text: String, asks: Bool) {
        #expect(SalesAgent.isQuestion(text, tokens: TextNormalizer.tokens(text)) == asks)
    }

    @Test(arguments: [
        ("2adde", true), ("3andkon", true), ("7elo", true), ("ma3", true), ("b2", false), ("2024", false), ("m3", false),
        ("hello", false), ("é3a", true), ("٣ab", false), ("قديش", false),
    ])
    func spotsDigitsThatWriteArabicSounds(token: String, writesSounds: Bool) {
        #expect(CustomerLanguage.writesSoundsWithDigits(token) == writesSounds)
    }

    @Test func detectsTheLanguageOfEachSeedStyle() {
        #expect(CustomerLanguage.detect("How much is the serum?") == .english)
        #expect(CustomerLanguage.detect("Bonjour, combien coûte le sérum ?") == .french)
        #expect(CustomerLanguage.detect("2adde se3er el serum?") == .arabizi)
        #expect(CustomerLanguage.detect("قديش سعر السيروم؟") == .arabic)
    }
}
