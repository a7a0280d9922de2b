import Foundation
import SwiftRepliesCore
@testable import SwiftRepliesStores
import Testing

/// The ingest rules (`IngestPlan`) without a database: contact merge within a batch,
/// de-duplication by (chatbot, provider message id), and the outcome of each envelope.
@Suite struct IngestPlanTests {
    static let tenant = TenantID("t1")
    static let base = Date(timeIntervalSince1970: 1_800_000_000)

    static func envelope(
        _ id: String, from phone: String = "96170000001", chatbot: String = "bot-a", tenant: TenantID = tenant, name: String? = nil, at offset: TimeInterval = 0
    ) -> InboundEnvelope {
        InboundEnvelope(
            tenantID: tenant, chatbotID: ChatbotID(chatbot),
            message: InboundMessage(
                provider: .meta, providerMessageID: id, from: PhoneNumber(canonical: phone), to: PhoneNumber(canonical: "96179374241"),
                contactName: name, content: .text("hi \(id)")
            ),
            receivedAt: base.addingTimeInterval(offset)
        )
    }

    @Test func aContactThatWritesSeveralTimesIsOneRowWithTheLatestNameAndTheSpanOfItsMessages() {
        let plan = IngestPlan([
            Self.envelope("m1", name: "Rana", at: 5),
            Self.envelope("m2", from: "96170000002", at: 1),
            Self.envelope("m3", name: nil, at: 2),
            Self.envelope("m4", name: "Rana K.", at: 9),
            Self.envelope("m5", name: nil, at: 3),
        ])
        #expect(plan.contacts.map(\.key.phone.digits) == ["96170000001", "96170000002"], "in order of first appearance")
        let rana = plan.contacts[0]
        #expect(rana.name == "Rana K.", "the latest name given wins; an envelope without one keeps it")
        #expect(rana.firstSeen == Self.base.addingTimeInterval(2))
        #expect(rana.lastInteraction == Self.base.addingTimeInterval(9))
        #expect(plan.contacts[1].name == nil)
    }

    @Test func theSamePhoneUnderTwoTenantsIsTwoContacts() {
        let plan = IngestPlan([Self.envelope("m1"), Self.envelope("m1", chatbot: "bot-t2", tenant: TenantID("t2"))])
        #expect(plan.contacts.count == 2)
        #expect(plan.contacts.map(\.key.tenantID) == [Self.tenant, TenantID("t2")])
        #expect(plan.inserts == [0, 1], "the same provider id at two chatbots is two messages")
    }

    @Test func onlyTheFirstEnvelopeOfAProviderIDPerChatbotIsInserted() {
        let plan = IngestPlan([
            Self.envelope("m1"), Self.envelope("m1"), Self.envelope("m2"), Self.envelope("m1", chatbot: "bot-b"), Self.envelope("m2"),
        ])
        #expect(plan.inserts == [0, 2, 3])
    }

    @Test func outcomesFollowTheBatchAndWhatTheDatabaseInserted() throws {
        let batch = [Self.envelope("m1", name: "Rana"), Self.envelope("m1"), Self.envelope("m2"), Self.envelope("m3", from: "96170000002")]
        let plan = IngestPlan(batch)
        let rana = IngestPlan.ContactKey(tenantID: Self.tenant, phone: PhoneNumber(canonical: "96170000001"))
        let other = IngestPlan.ContactKey(tenantID: Self.tenant, phone: PhoneNumber(canonical: "96170000002"))
        // m2 was stored before (the insert skipped it).
        let inserted: [IngestPlan.MessageKey: MessageID] = [
            IngestPlan.MessageKey(chatbotID: ChatbotID("bot-a"), providerMessageID: "m1"): MessageID(10),
            IngestPlan.MessageKey(chatbotID: ChatbotID("bot-a"), providerMessageID: "m3"): MessageID(11),
        ]
        let outcomes = try plan.outcomes(contactIDs: [rana: ContactID(7), other: ContactID(8)], inserted: inserted)
        #expect(outcomes.map(\.stored?.id) == [MessageID(10), nil, nil, MessageID(11)])
        #expect(outcomes[1] == .duplicate(providerMessageID: "m1"), "a repeat within the batch")
        #expect(outcomes[2] == .duplicate(providerMessageID: "m2"), "already stored")
        #expect(outcomes[0].stored?.contactID == ContactID(7))
        #expect(outcomes[3].stored?.contactID == ContactID(8))
        #expect(outcomes[0].stored?.contactName == "Rana")
    }

    @Test func aContactIDMissingFromTheUpsertIsAnErrorNotAGuess() {
        let plan = IngestPlan([Self.envelope("m1")])
        let inserted = [IngestPlan.MessageKey(chatbotID: ChatbotID("bot-a"), providerMessageID: "m1"): MessageID(1)]
        #expect(throws: IngestPlanError.self) { try plan.outcomes(contactIDs: [:], inserted: inserted) }
    }
}
