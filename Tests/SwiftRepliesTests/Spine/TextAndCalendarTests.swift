import Foundation
import SwiftRepliesCore
import Testing

/// The tokenizer the knowledge base and the sales agent share, and the UTC calendar usage is
/// counted by.
@Suite struct TextAndCalendarTests {
    @Test func tokensFoldLatinArabicAndDigits() {
        #expect(TextNormalizer.tokens("Élève, ÇA: œuvre Straße!") == ["eleve", "ca", "oeuvre", "strasse"])
        // Apostrophes split (l'été), articles and clitics come off Arabic words of 2+ letters left.
        #expect(TextNormalizer.tokens("l'été") == ["l", "ete"])
        #expect(TextNormalizer.tokens("الكتاب والقلم بالبيت لل") == ["كتاب", "قلم", "بيت", "لل"])
        // Letter variants, tatweel and harakat; Arabic-Indic digits become ASCII.
        #expect(TextNormalizer.tokens("أحمد مـرحـبـاً مدرسة ٣ ۴") == ["احمد", "مرحبا", "مدرسه", "3", "4"])
        // Arabizi keeps digits inside words; emoji and punctuation separate.
        #expect(TextNormalizer.tokens("2adde el se3r?? 👍ok") == ["2adde", "el", "se3r", "ok"])
        #expect(TextNormalizer.tokens("🙂 !!") == [])
        // An article on a Latin word is not Arabic: nothing is stripped.
        #expect(TextNormalizer.tokens("x2 alkitab") == ["x2", "alkitab"])
    }

    @Test func usageDaysMatchFoundationsGregorianCalendarInUTC() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: "UTC"))
        var dates: [Date] = [
            Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: -1), Date(timeIntervalSince1970: 86_399.999),
            Date(timeIntervalSince1970: 951_782_400),  // 2000-02-29
            Date(timeIntervalSince1970: 4_107_542_399),  // 2100-02-28T23:59:59
            Date(timeIntervalSince1970: -2_208_988_800),  // 1900-01-01
        ]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 { dates.append(Date(timeIntervalSince1970: Double.random(in: -2_500_000_000...7_000_000_000, using: &generator))) }
        for date in dates {
            let parts = calendar.dateComponents([.year, .month, .day], from: date)
            let expected = String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
            #expect(UsageCalendar.day(date) == expected, "\(date.timeIntervalSince1970)")
            #expect(UsageCalendar.month(date) == (parts.year ?? 0, parts.month ?? 0))
            #expect(UsageCalendar.startOfDay(date) == calendar.startOfDay(for: date), "\(date.timeIntervalSince1970)")
        }
    }
}
