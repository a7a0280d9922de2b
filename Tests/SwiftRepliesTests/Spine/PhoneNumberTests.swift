import SwiftRepliesCore
import Testing

/// Numbers are matched after normalisation: every way people and providers write the ECLA number
/// is the same `PhoneNumber`, and text that is not a phone number is rejected.
@Suite struct PhoneNumberTests {
    @Test(arguments: [
        "+96179374241", "0096179374241", "whatsapp:+96179374241", "961 79 374 241", "961-79-374-241", "(961) 79 374241",
        "tel:+96179374241", "WhatsApp:+961 79 374 241", "  +961.79.374.241  ", "96179374241",
    ])
    func writtenFormsAreTheSameNumber(written: String) throws {
        let number = try #require(PhoneNumber(normalizing: written), "'\(written)' should be a phone number")
        #expect(number == PhoneNumber(canonical: "96179374241"))
        #expect(number.digits == "96179374241")
        #expect(number.e164 == "+96179374241")
        #expect(number.hashValue == PhoneNumber(canonical: "96179374241").hashValue)
    }

    @Test func theTwoSeedNumbersDiffer() throws {
        let ecla = try #require(PhoneNumber(normalizing: "+961 79 374 241"))
        let astroSouks = try #require(PhoneNumber(normalizing: "+961 3 451 652"))
        #expect(astroSouks.digits == "9613451652")
        #expect(ecla != astroSouks)
        #expect(Set([ecla, astroSouks, PhoneNumber(normalizing: "0096179374241")!]).count == 2)
    }

    @Test(arguments: [
        "abc", "", "   ", "+", "12", "1234567890123456", "+1234567890123456", "961x79", "96179374241x", "whatsapp:", "00", "+96179374241#",
        "0 79 374 241",
    ])
    func garbageIsNotANumber(written: String) {
        #expect(PhoneNumber(normalizing: written) == nil, "'\(written)' should not be a phone number")
    }

    /// Plain digits, with or without `+`, take a shorter path than the other forms: both must
    /// give the same number, and the short path must turn away what the general rules turn away.
    @Test(arguments: [
        ("96179374241", "96179374241"), ("+96179374241", "96179374241"), ("123456", "123456"), ("+123456789012345", "123456789012345"),
        ("0096179374241", "96179374241"), ("+0096179374241", "96179374241"), ("++96179374241", nil), ("+", nil), ("12345", nil),
        ("1234567890123456", nil), ("096179374241", nil), ("+096179374241", nil), ("9617937424١", nil), ("96179374241 ", "96179374241"),
        ("٩٦١٧٩٣٧٤٢٤١", nil), ("+961793742410000", "961793742410000"), ("+9617937424100000", nil),
    ] as [(String, String?)])
    func plainDigitsReadAsTheGeneralRulesDo(written: String, digits: String?) {
        #expect(PhoneNumber(normalizing: written)?.digits == digits, "'\(written)'")
    }

    @Test func lengthBoundsOfE164() {
        // 15 digits is the E.164 maximum; 6 the shortest WhatsApp number accepted.
        #expect(PhoneNumber(normalizing: "+123456789012345")?.digits == "123456789012345")
        #expect(PhoneNumber(normalizing: "123456")?.digits == "123456")
        #expect(PhoneNumber(normalizing: "12345") == nil)
    }
}
