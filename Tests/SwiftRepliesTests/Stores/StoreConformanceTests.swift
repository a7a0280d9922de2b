import Foundation
import SwiftRepliesCore
import SwiftRepliesStores
import Testing

/// The behaviour every `Store` must have, run unchanged against SQLite and (when
/// `SWIFTREPLIES_TEST_POSTGRES_URL` is set) PostgreSQL. Everything goes through the `Store`
/// protocol; raw rows are read (with `TestDatabase`'s dialect-neutral helpers) only for what the
/// protocol cannot show. Where the backends differ by design (send leases), the test asserts
/// each backend's documented rule, chosen by `store.isShared`.
@Suite("Store conformance")
struct StoreConformanceTests {
    typealias F = ConformanceFixture

    // MARK: Directory

    @Test("syncDirectory upserts, deactivates, never deletes chatbots, and mirrors numbers", arguments: StoreBackend.available)
    func directorySync(_ backend: StoreBackend) async throws {
        try await TestDatabase.withConformanceStore(backend) { database, store in
            #expect(try await database.rows("SELECT id, plan, is_active FROM tenants ORDER BY id") == [["acme", "pro", "1"], ["globex", "starter", "1"]])
            #expect(
                try await database.rows("SELECT id, tenant_id, agent_id, is_active FROM chatbots ORDER BY id") == [
                    ["acme-sales", "acme", "sales", "1"], ["acme-support", "acme", "sales", "1"], ["globex-support", "globex", "sales", "1"],
                ]
            )
            #expect(
                try await database.rows("SELECT chatbot_id, provider, number, phone_number_id FROM chatbot_numbers ORDER BY chatbot_id") == [
                    ["acme-sales", "meta", "15550001111", "pnid-acme-sales"], ["acme-support", "meta", "15550004444", "pnid-acme-support"],
                    ["globex-support", "twilio", "15550002222", "pnid-globex-support"],
                ]
            )

            // acme changes plan, loses its support bot, its sales bot changes agent and gains a
            // second number; globex leaves the configuration.
            var sales = F.chatbot(F.acmeBot, tenant: F.acme, agent: "concierge")
            sales.channels.append(ChannelBinding(accountID: "second", provider: .infobip, number: PhoneNumber(canonical: "15550009999")))
            try await store.directory.syncDirectory([F.tenant(F.acme, plan: "enterprise", chatbots: [sales])])
            #expect(try await database.rows("SELECT id, plan, is_active FROM tenants ORDER BY id") == [["acme", "enterprise", "1"], ["globex", "starter", "0"]])
            #expect(
                try await database.rows("SELECT id, agent_id, is_active FROM chatbots ORDER BY id") == [
                    ["acme-sales", "concierge", "1"], ["acme-support", "sales", "0"], ["globex-support", "sales", "0"],
                ],
                "chatbots no longer configured are kept, inactive"
            )
            #expect(
                try await database.rows("SELECT chatbot_id, position, provider, number, phone_number_id FROM chatbot_numbers ORDER BY chatbot_id, position") == [
                    ["acme-sales", "0", "meta", "15550001111", "pnid-acme-sales"], ["acme-sales", "1", "infobip", "15550009999", nil],
                ],
                "the numbers mirror the configuration exactly"
            )

            // Everything comes back; a second identical sync changes nothing.
            try await store.directory.syncDirectory(F.directory)
            try await store.directory.syncDirectory(F.directory)
            #expect(try await database.rows("SELECT id, is_active FROM chatbots ORDER BY id") == [["acme-sales", "1"], ["acme-support", "1"], ["globex-support", "1"]])
            #expect(try await database.integer("SELECT COUNT(*) FROM tenants WHERE is_active") == 2)
            #expect(try await database.integer("SELECT COUNT(*) FROM chatbot_numbers") == 3)

            // The configured number is what a conversation without inbound messages answers through.
            let contact = try await store.contacts.upsertContact(tenantID: F.globex, phone: F.customer, name: nil)
            let conversation = ConversationKey(tenantID: F.globex, chatbotID: F.globexBot, contactID: contact.id)
            #expect(try await store.outbox.enqueueOutbound(conversation, text: "hi", purpose: .human, at: F.base).provider == .twilio)
            try await store.directory.syncDirectory([
                F.directory[0], F.tenant(F.globex, chatbots: [F.chatbot(F.globexBot, tenant: F.globex, provider: .infobip, number: "15550002222")]),
            ])
            #expect(try await store.outbox.enqueueOutbound(conversation, text: "hi", purpose: .human, at: F.base).provider == .infobip)
        }
    }

    // MARK: Ingest

    @Test("ingest stores new messages and reports duplicates in and across batches", arguments: StoreBackend.available)
    func ingestNewAndDuplicates(_ backend: StoreBackend) async throws {
        try await TestDatabase.withConformanceStore(backend) { database, store in
            let first = try await store.intake.ingest([
                F.envelope("wamid.1", name: "Rana", content: .text("hi"), at: 0),
                F.envelope("wamid.2", content: .text("price?"), at: 1),
                F.envelope("wamid.1", content: .text("hi again"), at: 2),  // same batch duplicate of the first
            ])
            #expect(first.count == 3)
            let firstStored = F.stored(first)
            #expect(firstStored.map(\.providerMessageID) == ["wamid.1", "wamid.2"])
            #expect(first[2] == .duplicate(providerMessageID: "wamid.1"))
            #expect(firstStored[0].id < firstStored[1].id)
            #expect(firstStored[0].contactID == firstStored[1].contactID, "one contact per (tenant, phone)")
            #expect(firstStored[0].contactPhone == F.customer)
            #expect(firstStored[0].text == "hi", "the first of two duplicates is the one stored")
            #expect(firstStored[0].tenantID == F.acme && firstStored[0].chatbotID == F.acmeBot)
            #expect(firstStored[0].provider == .meta)
            #expect(firstStored[0].receivedAt == F.base)
            #expect(firstStored[0].answerable)
            #expect(firstStored[0].contactName == "Rana")
            #expect(firstStored[1].contactName == "Rana", "the name given earlier in the batch")

            // Redelivery across batches; the same provider id to another chatbot (of the same
            // tenant or another) is another message; the same phone in another tenant is another contact.
            let second = try await store.intake.ingest([
                F.envelope("wamid.2", at: 3),
                F.envelope("wamid.3", at: 4),
                F.envelope("wamid.1", chatbot: F.acmeSecondBot, at: 5),
                F.envelope("wamid.1", tenant: F.globex, chatbot: F.globexBot, provider: .twilio, at: 6),
            ])
            #expect(second[0] == .duplicate(providerMessageID: "wamid.2"))
            let third = try #require(second[1].stored)
            let otherBot = try #require(second[2].stored)
            let globexMessage = try #require(second[3].stored)
            #expect(third.contactID == firstStored[0].contactID)
            #expect(third.contactName == nil, "no name in this batch")
            #expect(otherBot.chatbotID == F.acmeSecondBot)
            #expect(otherBot.contactID == firstStored[0].contactID, "contacts belong to the tenant, not the chatbot")
            #expect(globexMessage.tenantID == F.globex)
            #expect(globexMessage.provider == .twilio)
            #expect(globexMessage.contactID != firstStored[0].contactID)
            #expect(Set([firstStored[0].id, firstStored[1].id, third.id, otherBot.id, globexMessage.id]).count == 5)
            #expect(try await store.intake.ingest([F.envelope("wamid.1", chatbot: F.acmeSecondBot)]) == [.duplicate(providerMessageID: "wamid.1")])

            #expect(try await database.integer("SELECT COUNT(*) FROM contacts WHERE tenant_id = ?", ["acme"]) == 1)
            #expect(try await database.integer("SELECT COUNT(*) FROM contacts WHERE tenant_id = ?", ["globex"]) == 1)
            #expect(try await database.integer("SELECT COUNT(*) FROM messages") == 5)
            #expect(try await store.lifecycle.counts().pendingInbound == 5)

            // A later message without a name keeps the stored name; a new name replaces it.
            let contact = try #require(try await store.contacts.contact(tenantID: F.acme, id: firstStored[0].contactID))
            #expect(contact == Contact(id: firstStored[0].contactID, tenantID: F.acme, phone: F.customer, name: "Rana"))
            #expect(try await store.contacts.contact(tenantID: F.globex, id: firstStored[0].contactID) == nil, "contacts are tenant scoped")
            #expect(try await store.turns.pendingInbound(of: third.conversation, limit: 10).map(\.contactName) == ["Rana", "Rana", "Rana"])
            _ = try await store.intake.ingest([F.envelope("wamid.4", name: "Rana K.", at: 7)])
            #expect(try await store.contacts.contact(tenantID: F.acme, id: firstStored[0].contactID)?.name == "Rana K.")

            // upsertContact finds the same contact (keeping its name when none is given) or makes a new one.
            let upserted = try await store.contacts.upsertContact(tenantID: F.acme, phone: F.customer, name: nil)
            #expect(upserted == Contact(id: firstStored[0].contactID, tenantID: F.acme, phone: F.customer, name: "Rana K."))
            let newContact = try await store.contacts.upsertContact(tenantID: F.acme, phone: F.otherCustomer, name: "Sam")
            #expect(newContact.id != upserted.id)
            #expect(newContact.name == "Sam")
            #expect(try await store.contacts.upsertContact(tenantID: F.acme, phone: F.otherCustomer, name: nil) == newContact)
        }
    }

    @Test("ingest keeps kinds, texts and answerability", arguments: StoreBackend.available)
    func ingestKindsAndAnswerability(_ backend: StoreBackend) async throws {
        try await TestDatabase.withConformanceStore(backend) { database, store in
            let stored = F.stored(try await store.intake.ingest([
                F.envelope("wamid.r", content: MessageContent(kind: .reaction, attributes: ["emoji": "👍", "reacted_message_id": "wamid.x"])),
                F.envelope("wamid.i", content: MessageContent(kind: .image, text: "price?", attributes: ["media_id": "m1"]), at: 1),
                F.envelope("wamid.s", content: MessageContent(kind: .sticker), at: 2),
            ]))
            #expect(stored.map(\.answerable) == [false, true, false])
            let pending = try await store.turns.pendingInbound(limit: 10)
            #expect(pending == stored, "pendingInbound reads back exactly what ingest returned")
            #expect(pending.map(\.kind) == [.reaction, .image, .sticker])
            #expect(pending.map(\.text) == [nil, "price?", nil])
            let json = try #require(try await database.text("SELECT attributes FROM messages WHERE provider_message_id = ?", ["wamid.r"]))
            #expect(try JSONDecoder().decode([String: String].self, from: Data(json.utf8)) == ["emoji": "👍", "reacted_message_id": "wamid.x"])
        }
    }

    @Test("a batch of 2,000 envelopes is stored in order, and again is all duplicates", arguments: StoreBackend.available)
    func ingestLargeBatch(_ backend: StoreBackend) async throws {
        try await TestDatabase.withConformanceStore(backend) { database, store in
            let batch = (0..<2000).map { index in
                F.envelope(
                    "wamid.bulk.\(index)", from: PhoneNumber(canonical: "9617000\(String(format: "%04d", index % 200))"),
                    name: index < 200 ? "Customer \(index)" : nil, at: Double(index)
                )
            }
            let stored = F.stored(try await store.intake.ingest(batch))
            #expect(stored.count == 2000)
            #expect(zip(stored, batch).allSatisfy { $0.providerMessageID == $1.message.providerMessageID && $0.contactPhone == $1.message.from })
            #expect(zip(stored, stored.dropFirst()).allSatisfy { $0.id < $1.id }, "ids follow the batch order")
            #expect(Set(stored.map(\.contactID)).count == 200)
            #expect(Dictionary(grouping: stored, by: \.contactID).values.allSatisfy { Set($0.map(\.contactPhone)).count == 1 })
            #expect(try await database.integer("SELECT COUNT(*) FROM contacts") == 200)
            #expect(try await database.integer("SELECT COUNT(*) FROM contacts WHERE name IS NULL") == 0)

            let again = try await store.intake.ingest(batch)
            #expect(again == batch.map { .duplicate(providerMessageID: $0.message.providerMessageID) })
            #expect(try await store.lifecycle.counts().pendingInbound == 2000)
            #expect(try await store.turns.pendingInbound(limit: 5000).map(\.id) == stored.map(\.id))
        }
    }

    @Test("an unknown chatbot in a batch rolls back the whole batch", arguments: StoreBackend.available)
    func ingestUnknownChatbotRollsBack(_ backend: StoreBackend) async throws {
        try await TestDatabase.withConformanceStore(backend) { database, store in
            await #expect(throws: (any Error).self) {
                _ = try await store.intake.ingest([
                    F.envelope("wamid.ok", name: "Rana"),
                    F.envelope("wamid.ok2", from: F.otherCustomer, at: 1),
                    F.envelope("wamid.bad", chatbot: "no-such-bot", from: F.otherCustomer, at: 2),
                ])
            }
            #expect(try await store.turns.pendingInbound(limit: 10).isEmpty)
            #expect(try await store.lifecycle.counts() == StoreCounts(pendingInbound: 0, outboxPending: 0, unroutable: 0))
            #expect(try await database.integer("SELECT COUNT(*) FROM messages") == 0)
            #expect(try await database.integer("SELECT COUNT(*) FROM contacts") == 0, "contacts created by the batch are rolled back too")

            // The store still works, and the messages were not remembered as seen.
            let stored = F.stored(try await store.intake.ingest([F.envelope("wamid.ok"), F.envelope("wamid.ok2", from: F.otherCustomer, at: 1)]))
            #expect(stored.map(\.providerMessageID) == ["wamid.ok", "wamid.ok2"])
            #expect(try await store.contacts.contact(tenantID: F.acme, id: stored[0].contactID)?.name == nil, "the rolled back name was not kept")
        }
    }

    @Test("concurrent ingests from many tasks lose and double nothing", arguments: StoreBackend.available)
    func concurrentIngests(_ backend: StoreBackend) async throws {
        try await TestDatabase.withConformanceStore(backend) { database, store in
            let workers = 16, rounds = 8, perBatch = 5
            // Each batch: messages of its worker, from a phone shared by 4 workers, plus one
            // redelivery every worker sends in the same round.
            let results = try await withThrowingTaskGroup(of: [IngestOutcome].self) { group in
                for worker in 0..<workers {
                    group.addTask {
                        var outcomes: [IngestOutcome] = []
                        for round in 0..<rounds {
                            let phone = PhoneNumber(canonical: "96171\(String(format: "%06d", worker % 4))")
                            var batch = (0..<perBatch).map { F.envelope("wamid.c.\(worker).\(round).\($0)", from: phone, at: Double(round)) }
                            batch.append(F.envelope("wamid.shared.\(round)", from: F.customer, at: Double(round)))
                            outcomes += try await store.intake.ingest(batch)
                            _ = try await store.turns.pendingInbound(limit: 5)
                        }
                        return outcomes
                    }
                }
                var all: [IngestOutcome] = []
                for try await outcomes in group { all += outcomes }
                return all
            }
            let stored = F.stored(results)
            let ownIDs = stored.map(\.providerMessageID).filter { $0.hasPrefix("wamid.c.") }
            #expect(ownIDs.count == workers * rounds * perBatch)
            #expect(Set(ownIDs).count == workers * rounds * perBatch)
            let shared = stored.filter { $0.providerMessageID.hasPrefix("wamid.shared.") }
            #expect(shared.count == rounds, "each redelivered message is stored by exactly one worker")
            #expect(results.filter { $0.stored == nil }.count == (workers - 1) * rounds)
            #expect(Set(stored.map(\.id)).count == stored.count)
            let expected = workers * rounds * perBatch + rounds
            #expect(try await database.integer("SELECT COUNT(*) FROM messages") == expected)
            #expect(try await store.lifecycle.counts().pendingInbound == expected)
            #expect(try await database.integer("SELECT COUNT(*) FROM contacts") == 5, "4 shared phones and the redelivering customer")
            #expect(Set(stored.map(\.contactID)).count == 5)
        }
    }

    // MARK: Pending inbound

    @Test("pendingInbound(after:limit:) is ordered with a cursor; pendingInbound(of:) is one conversation", arguments: StoreBackend.available)
    func pendingInboundOrderAndCursor(_ backend: StoreBackend) async throws {
        try await TestDatabase.withConformanceStore(backend) { _, store in
            let stored = F.stored(try await store.intake.ingest([
                F.envelope("wamid.1", at: 0),
                F.envelope("wamid.2", from: F.otherCustomer, at: 1),
                F.envelope("wamid.3", at: 2),
                F.envelope("wamid.4", chatbot: F.acmeSecondBot, at: 3),
                F.envelope("wamid.5", tenant: F.globex, chatbot: F.globexBot, provider: .twilio, at: 4),
                F.envelope("wamid.6", at: 5),
            ]))
            let ids = stored.map(\.id)
            #expect(ids.count == 6)
            #expect(try await store.turns.pendingInbound(limit: 10).map(\.id) == ids)
            #expect(try await store.turns.pendingInbound(after: nil, limit: 2).map(\.id) == Array(ids[0..<2]))
            #expect(try await store.turns.pendingInbound(after: ids[1], limit: 2).map(\.id) == Array(ids[2..<4]))
            #expect(try await store.turns.pendingInbound(after: ids[3], limit: 10).map(\.id) == Array(ids[4...]))
            #expect(try await store.turns.pendingInbound(after: ids[5], limit: 10).isEmpty)
            #expect(try await store.turns.pendingInbound(limit: 0).isEmpty)

            let conversation = stored[0].conversation
            #expect(try await store.turns.pendingInbound(of: conversation, limit: 10).map(\.id) == [ids[0], ids[2], ids[5]])
            #expect(try await store.turns.pendingInbound(of: conversation, limit: 2).map(\.id) == [ids[0], ids[2]])
            #expect(try await store.turns.pendingInbound(of: stored[3].conversation, limit: 10).map(\.id) == [ids[3]], "another chatbot is another conversation")
            let foreign = ConversationKey(tenantID: F.globex, chatbotID: F.acmeBot, contactID: conversation.contactID)
            #expect(try await store.turns.pendingInbound(of: foreign, limit: 10).isEmpty, "tenant scoped")

            // Finished turns leave both queues.
            _ = try await store.turns.completeTurn(F.completion(conversation, [ids[0], ids[2]], replies: []))
            #expect(try await store.turns.pendingInbound(limit: 10).map(\.id) == [ids[1], ids[3], ids[4], ids[5]])
            #expect(try await store.turns.pendingInbound(after: ids[0], limit: 2).map(\.id) == [ids[1], ids[3]])
            #expect(try await store.turns.pendingInbound(of: conversation, limit: 10).map(\.id) == [ids[5]])
            #expect(try await store.lifecycle.counts().pendingInbound == 4)
        }
    }

    // MARK: Turns

    @Test("completeTurn marks processed and queues replies exactly once", arguments: StoreBackend.available)
    func completeTurnOnce(_ backend: StoreBackend) async throws {
        try await TestDatabase.withConformanceStore(backend) { database, store in
            let stored = F.stored(try await store.intake.ingest([
                F.envelope("wamid.a", content: .text("hi"), at: 0),
                F.envelope("wamid.b", content: .text("price of the kit?"), at: 1),
                F.envelope("wamid.other", from: F.otherCustomer, at: 2),
            ]))
            let conversation = stored[0].conversation
            let completion = F.completion(
                conversation, [stored[0].id, stored[1].id], replies: ["Hello!", "The kit is 49 USD."], intent: "price", revision: 7, milliseconds: 42
            )
            let entries = try await store.turns.completeTurn(completion)
            #expect(entries.map(\.text) == ["Hello!", "The kit is 49 USD."])
            #expect(entries[0].id < entries[1].id)
            #expect(entries[0].id > stored[2].id)
            #expect(entries.allSatisfy {
                $0.contactPhone == F.customer && $0.purpose == .reply && $0.attempts == 0 && $0.conversation == conversation
                    && $0.provider == .meta && !$0.possiblyDuplicated && $0.nextAttemptAt == F.base.addingTimeInterval(10)
            })

            #expect(try await store.turns.completeTurn(completion) == [], "already processed: no new replies")
            let partlyRepeated = F.completion(conversation, [stored[1].id], replies: ["again"])
            #expect(try await store.turns.completeTurn(partlyRepeated) == [])
            #expect(try await store.turns.pendingInbound(limit: 10).map(\.id) == [stored[2].id])
            #expect(try await store.lifecycle.counts() == StoreCounts(pendingInbound: 1, outboxPending: 2, unroutable: 0))
            #expect(try await store.outbox.dueOutbox(now: F.base.addingTimeInterval(10), limit: 10) == [entries[0]], "the second reply is due after the first")

            let messages = try await store.contacts.messages(tenantID: F.acme, contactID: conversation.contactID, limit: 10)
            #expect(messages.map(\.id) == [stored[0].id, stored[1].id, entries[0].id, entries[1].id])
            #expect(messages.map(\.status) == ["processed", "processed", "queued", "queued"])
            #expect(messages.map(\.direction) == [.inbound, .inbound, .outbound, .outbound])
            #expect(messages[0].aiProcessed && messages[1].aiProcessed)
            #expect(messages[0].processingMilliseconds == 42)
            #expect(messages[2].purpose == .reply && !messages[2].isFromHuman)
            #expect(
                try await database.rows("SELECT intent, config_revision FROM messages WHERE id = CAST(? AS BIGINT)", [stored[0].id.bind]) == [["price", "7"]]
            )
        }
    }

    @Test("a completion for another conversation changes nothing; one without inbound ids always queues", arguments: StoreBackend.available)
    func completeTurnOtherConversationAndActionResolution(_ backend: StoreBackend) async throws {
        try await TestDatabase.withConformanceStore(backend) { _, store in
            let stored = F.stored(try await store.intake.ingest([F.envelope("wamid.a"), F.envelope("wamid.b", from: F.otherCustomer, at: 1)]))
            let globexContact = try await store.contacts.upsertContact(tenantID: F.globex, phone: F.customer, name: nil)
            let foreign = ConversationKey(tenantID: F.globex, chatbotID: F.globexBot, contactID: globexContact.id)
            #expect(try await store.turns.completeTurn(F.completion(foreign, [stored[0].id], replies: ["leak"])) == [])
            let otherContact = stored[1].conversation
            #expect(try await store.turns.completeTurn(F.completion(otherContact, [stored[0].id], replies: ["wrong contact"])) == [])
            let otherBot = ConversationKey(tenantID: F.acme, chatbotID: F.acmeSecondBot, contactID: stored[0].contactID)
            #expect(try await store.turns.completeTurn(F.completion(otherBot, [stored[0].id], replies: ["wrong bot"])) == [])
            #expect(try await store.turns.pendingInbound(limit: 10).map(\.id) == stored.map(\.id))
            #expect(try await store.lifecycle.counts().outboxPending == 0)

            // An Actions Center resolution has no inbound message: it queues every time.
            let resolution = F.completion(stored[0].conversation, [], replies: ["Your order shipped."])
            let first = try await store.turns.completeTurn(resolution)
            let second = try await store.turns.completeTurn(resolution)
            #expect(first.map(\.text) == ["Your order shipped."])
            #expect(second.map(\.text) == ["Your order shipped."])
            #expect(first[0].id != second[0].id)
            #expect(try await store.turns.pendingInbound(limit: 10).map(\.id) == stored.map(\.id), "inbound messages untouched")
            #expect(try await store.lifecycle.counts().outboxPending == 2)

            // A turn that answers nothing is still finished.
            #expect(try await store.turns.completeTurn(F.completion(stored[1].conversation, [stored[1].id], replies: [])) == [])
            #expect(try await store.turns.pendingInbound(limit: 10).map(\.id) == [stored[0].id])
        }
    }

    @Test("concurrent completions (coalesced) each get their own entries", arguments: StoreBackend.available)
    func concurrentCompletions(_ backend: StoreBackend) async throws {
        try await TestDatabase.withConformanceStore(backend) { _, store in
            let stored = F.stored(try await store.intake.ingest(Self.conversationStarts(24)))
            #expect(stored.count == 25)
            // One turn per conversation, plus an action resolution (no inbound ids) for every
            // third one, all at once.
            let results = try await withThrowingTaskGroup(of: (Int, [OutboxEntry]).self) { group in
                for (index, message) in stored.enumerated() {
                    group.addTask {
                        let replies = ["reply \(index) a", "reply \(index) b"]
                        return (index, try await store.turns.completeTurn(F.completion(message.conversation, [message.id], replies: replies)))
                    }
                    if index % 3 == 0 {
                        group.addTask {
                            (-1 - index, try await store.turns.completeTurn(F.completion(message.conversation, [], replies: ["resolved \(index)"])))
                        }
                    }
                }
                var results: [Int: [OutboxEntry]] = [:]
                for try await (key, entries) in group { results[key] = entries }
                return results
            }
            for (index, message) in stored.enumerated() {
                let entries = results[index] ?? []
                #expect(entries.map(\.text) == ["reply \(index) a", "reply \(index) b"])
                #expect(entries.allSatisfy { $0.conversation == message.conversation && $0.contactPhone == message.contactPhone })
                #expect(entries.allSatisfy { $0.provider == message.provider && $0.purpose == .reply })
                if index % 3 == 0 {
                    #expect(results[-1 - index]?.map(\.text) == ["resolved \(index)"])
                    #expect(results[-1 - index]?.first?.conversation == message.conversation)
                }
            }
            let allIDs = results.values.flatMap { $0 }.map(\.id)
            #expect(allIDs.count == 2 * 25 + 9)
            #expect(Set(allIDs).count == allIDs.count)
            #expect(try await store.lifecycle.counts() == StoreCounts(pendingInbound: 0, outboxPending: allIDs.count, unroutable: 0))
            // Due: each conversation's first message (the others follow it, in order).
            var first: [ConversationKey: MessageID] = [:]
            for entry in results.values.flatMap({ $0 }) { first[entry.conversation] = min(first[entry.conversation] ?? entry.id, entry.id) }
            #expect(Set(try await store.outbox.dueOutbox(now: F.base.addingTimeInterval(10), limit: 1000).map(\.id)) == Set(first.values))
        }
    }

    @Test("an inbound completed by two concurrent calls is answered once", arguments: StoreBackend.available)
    func concurrentDuplicateCompletions(_ backend: StoreBackend) async throws {
        try await TestDatabase.withConformanceStore(backend) { _, store in
            let stored = F.stored(try await store.intake.ingest(Self.conversationStarts(24)))
            // Every inbound completed by two tasks at once (a turn retried while the first commit
            // is in flight); the calls coalesce into shared batches.
            let results = try await withThrowingTaskGroup(of: (Int, [OutboxEntry]).self) { group in
                for (index, message) in stored.enumerated() {
                    for attempt in 0..<2 {
                        group.addTask {
                            let replies = ["reply \(index) \(attempt)"]
                            return (index, try await store.turns.completeTurn(F.completion(message.conversation, [message.id], replies: replies)))
                        }
                    }
                }
                var results: [(Int, [OutboxEntry])] = []
                for try await result in group { results.append(result) }
                return results
            }
            #expect(try await store.lifecycle.counts().pendingInbound == 0)
            let outboxPending = try await store.lifecycle.counts().outboxPending
            let byMessage = Dictionary(grouping: results, by: \.0)
            for index in stored.indices {
                let answers = (byMessage[index] ?? []).map(\.1)
                #expect(answers.count == 2)
                #expect(answers.filter(\.isEmpty).count == 1, "message \(index) answered by exactly one completion")
            }
            #expect(outboxPending == stored.count)
        }
    }

    /// One message from each of `count` customers to acme, and one to globex.
    static func conversationStarts(_ count: Int) -> [InboundEnvelope] {
        (0..<count).map { F.envelope("wamid.t.\($0)", from: PhoneNumber(canonical: "96172\(String(format: "%06d", $0))"), at: Double($0)) }
            + [F.envelope("wamid.g", tenant: F.globex, chatbot: F.globexBot, provider: .twilio, at: 30)]
    }

    // MARK: Outbox

    @Test("enqueueOutbound queues holding and human messages; an unknown contact fails", arguments: StoreBackend.available)
    func enqueueOutbound(_ backend: StoreBackend) async throws {
        try await TestDatabase.withConformanceStore(backend) { database, store in
            let stored = F.stored(try await store.intake.ingest([F.envelope("wamid.in", tenant: F.globex, chatbot: F.globexBot, provider: .twilio)]))
            let conversation = stored[0].conversation
            let holding = try await store.outbox.enqueueOutbound(conversation, text: "One moment please.", purpose: .holding, at: F.base)
            let human = try await store.outbox.enqueueOutbound(conversation, text: "Hi, Maya here.", purpose: .human, at: F.base.addingTimeInterval(1))
            #expect(holding.purpose == .holding && human.purpose == .human)
            #expect(holding.contactPhone == F.customer && holding.conversation == conversation)
            #expect(holding.provider == .twilio)
            #expect(holding.attempts == 0 && !holding.possiblyDuplicated)
            #expect(holding.nextAttemptAt == F.base)
            #expect(holding.id < human.id)

            let messages = try await store.contacts.messages(tenantID: F.globex, contactID: conversation.contactID, limit: 10)
            #expect(messages.map(\.id) == [stored[0].id, holding.id, human.id])
            #expect(messages.map(\.isFromHuman) == [false, false, true])
            #expect(messages.map(\.purpose) == [nil, .holding, .human])
            #expect(messages.map(\.text) == ["hello", "One moment please.", "Hi, Maya here."])
            #expect(messages[1].status == "queued" && messages[1].direction == .outbound && messages[1].provider == .twilio)
            #expect(try await store.turns.history(conversation, before: nil, limit: 10).map(\.isFromHuman) == [false, false, true])
            #expect(try await database.column("SELECT is_from_human FROM messages WHERE id = CAST(? AS BIGINT)", [human.id.bind]) == ["1"])

            let missing = ConversationKey(tenantID: F.acme, chatbotID: F.acmeBot, contactID: ContactID(999_999))
            await #expect(throws: (any Error).self) { _ = try await store.outbox.enqueueOutbound(missing, text: "x", purpose: .human, at: F.base) }
            let otherTenant = ConversationKey(tenantID: F.acme, chatbotID: F.acmeBot, contactID: conversation.contactID)
            await #expect(throws: (any Error).self, "another tenant's contact is unknown here") {
                _ = try await store.outbox.enqueueOutbound(otherTenant, text: "x", purpose: .human, at: F.base)
            }
            #expect(try await store.lifecycle.counts().outboxPending == 2)
        }
    }

    @Test("a holding message is queued only while the conversation has an unanswered message", arguments: StoreBackend.available)
    func holdingMessageOnlyWhileUnanswered(_ backend: StoreBackend) async throws {
        try await TestDatabase.withConformanceStore(backend) { _, store in
            let stored = F.stored(try await store.intake.ingest([F.envelope("wamid.a"), F.envelope("wamid.b", from: F.otherCustomer, at: 1)]))
            let waiting = stored[0].conversation
            let holding = try #require(try await store.outbox.enqueueHoldingMessage(waiting, text: "One moment please.", at: F.base))
            #expect(holding.purpose == .holding && holding.conversation == waiting && holding.contactPhone == F.customer)
            #expect(holding.id > stored[1].id)

            // Once the turn has answered the message, nothing is left to hold for.
            let replies = try await store.turns.completeTurn(F.completion(waiting, [stored[0].id], replies: ["Hello!"]))
            #expect(replies.count == 1 && replies[0].id > holding.id)
            #expect(try await store.outbox.enqueueHoldingMessage(waiting, text: "One moment please.", at: F.base) == nil)
            // The other customer still waits.
            #expect(try await store.outbox.enqueueHoldingMessage(stored[1].conversation, text: "One moment please.", at: F.base) != nil)
            #expect(try await store.lifecycle.counts().outboxPending == 3)
        }
    }

    @Test("outbox: starts and outcomes made at the same time each get their own result", arguments: StoreBackend.available)
    func concurrentStartsAndOutcomes(_ backend: StoreBackend) async throws {
        try await TestDatabase.withConformanceStore(backend) { database, store in
            // Eight conversations (a conversation's messages start one at a time, in order).
            let stored = F.stored(try await store.intake.ingest((0..<8).map { F.envelope("wamid.in-\($0)", from: F.customer(number: $0)) }))
            let now = F.base.addingTimeInterval(100)
            var entries: [OutboxEntry] = []
            for (index, inbound) in stored.enumerated() {
                entries.append(try await store.outbox.enqueueOutbound(inbound.conversation, text: "reply \(index)", purpose: .reply, at: now))
            }
            let ids = entries.map(\.id)
            // The first four are being sent; their outcomes arrive while the others start, twice over.
            #expect(Set(try await store.outbox.beginSendAttempts(Array(ids[0..<4]), at: now)) == Set(ids[0..<4]))
            let started = try await withThrowingTaskGroup(of: [MessageID].self) { group in
                for id in ids[0..<4] {
                    group.addTask {
                        try await store.outbox.recordSendOutcome(id, outcome: .accepted(providerMessageID: "wamid.out-\(id.rawValue)"), at: now)
                        return []
                    }
                }
                for id in ids[4..<8] { group.addTask { try await store.outbox.beginSendAttempts([id], at: now) } }
                for id in ids[4..<8] { group.addTask { try await store.outbox.beginSendAttempts([id], at: now) } }
                return try await group.reduce(into: [MessageID]()) { $0 += $1 }
            }
            #expect(started.sorted() == Array(ids[4..<8]), "each entry started once, by one of the two calls")
            #expect(try await database.integer("SELECT COUNT(*) FROM messages WHERE direction = 'outbound' AND status = 'accepted'") == 4)
            #expect(try await database.integer("SELECT COUNT(*) FROM messages WHERE direction = 'outbound' AND status = 'sending'") == 4)
            #expect(try await database.integer("SELECT COUNT(*) FROM send_attempts") == 4)
        }
    }

    @Test("outbox: due time, begin only once, accepted never re-queued, retries, failures, every attempt recorded", arguments: StoreBackend.available)
    func outboxTransitions(_ backend: StoreBackend) async throws {
        try await TestDatabase.withConformanceStore(backend) { database, store in
            // Three conversations: this case is about one entry's transitions (the order of a
            // conversation's entries has its own case).
            let stored = F.stored(try await store.intake.ingest((0..<3).map { F.envelope("wamid.in-\($0)", from: F.customer(number: $0)) }))
            let conversation = stored[0].conversation
            let now = F.base.addingTimeInterval(100)
            let holding = try await store.outbox.enqueueOutbound(conversation, text: "One moment please.", purpose: .holding, at: now)
            let human = try await store.outbox.enqueueOutbound(stored[1].conversation, text: "Hi, Maya here.", purpose: .human, at: now)
            let later = try await store.outbox.enqueueOutbound(stored[2].conversation, text: "later", purpose: .reply, at: now.addingTimeInterval(60))

            // Due at their time, oldest first.
            #expect(try await store.outbox.dueOutbox(now: now.addingTimeInterval(-1), limit: 10).isEmpty)
            #expect(try await store.outbox.dueOutbox(now: now, limit: 10).map(\.id) == [holding.id, human.id])
            #expect(try await store.outbox.dueOutbox(now: now.addingTimeInterval(60), limit: 10).map(\.id) == [holding.id, human.id, later.id])
            #expect(try await store.outbox.dueOutbox(now: now, limit: 1).map(\.id) == [holding.id])

            // beginSendAttempts takes queued entries only, once.
            #expect(Set(try await store.outbox.beginSendAttempts([holding.id, human.id], at: now)) == [holding.id, human.id])
            #expect(try await store.outbox.beginSendAttempts([holding.id, human.id], at: now) == [], "a second begin takes none")
            #expect(try await store.outbox.dueOutbox(now: now.addingTimeInterval(60), limit: 10).map(\.id) == [later.id], "entries being sent are not due")
            #expect(try await store.lifecycle.counts().outboxPending == 3, "entries being sent are still pending")
            #expect(try await store.outbox.beginSendAttempts([MessageID(999_999), stored[0].id], at: now) == [], "unknown and inbound ids are not taken")

            // Retry: not due before retryAt, due after, attempts counted, possibly duplicated kept.
            try await store.outbox.recordSendOutcome(holding.id, outcome: .retry(error: "timeout", retryAt: now.addingTimeInterval(30), possiblyDelivered: true), at: now)
            #expect(try await store.outbox.dueOutbox(now: now.addingTimeInterval(29), limit: 10).isEmpty)
            #expect(try await store.outbox.beginSendAttempts([holding.id], at: now.addingTimeInterval(30)) == [holding.id], "a retried entry can be taken again")
            try await store.outbox.recordSendOutcome(holding.id, outcome: .retry(error: "503", retryAt: now.addingTimeInterval(40), possiblyDelivered: false), at: now)
            let retried = try #require(try await store.outbox.dueOutbox(now: now.addingTimeInterval(40), limit: 10).first { $0.id == holding.id })
            #expect(retried.attempts == 2)
            #expect(retried.possiblyDuplicated, "an unknown outcome is remembered across later retries")
            #expect(retried.nextAttemptAt == now.addingTimeInterval(40))
            #expect(retried.purpose == .holding && retried.text == "One moment please.")

            // Accepted: never due again; a late retry or failure does not re-queue or change it.
            try await store.outbox.recordSendOutcome(holding.id, outcome: .accepted(providerMessageID: "wamid.out.1"), at: now.addingTimeInterval(41))
            try await store.outbox.recordSendOutcome(holding.id, outcome: .retry(error: "late", retryAt: now, possiblyDelivered: false), at: now.addingTimeInterval(42))
            try await store.outbox.recordSendOutcome(holding.id, outcome: .failed(code: "131000", message: "late"), at: now.addingTimeInterval(43))
            #expect(try await store.outbox.beginSendAttempts([holding.id], at: now.addingTimeInterval(44)) == [])
            #expect(try await store.outbox.dueOutbox(now: now.addingTimeInterval(1000), limit: 10).map(\.id) == [later.id])

            // Failed for good, with the provider's code.
            try await store.outbox.recordSendOutcome(human.id, outcome: .failed(code: "131026", message: "undeliverable"), at: now)
            #expect(try await store.outbox.dueOutbox(now: now.addingTimeInterval(1000), limit: 10).map(\.id) == [later.id])
            #expect(try await store.lifecycle.counts().outboxPending == 1)

            var messages: [StoredMessage] = []
            for inbound in stored { messages += try await store.contacts.messages(tenantID: F.acme, contactID: inbound.contactID, limit: 10) }
            let accepted = try #require(messages.first { $0.id == holding.id })
            #expect(accepted.status == "accepted")
            #expect(accepted.providerMessageID == "wamid.out.1")
            #expect(accepted.attempts == 3)
            #expect(accepted.possiblyDuplicated)
            #expect(accepted.errorCode == nil)
            #expect(
                try await database.text("SELECT error_message FROM messages WHERE id = CAST(? AS BIGINT)", [holding.id.bind]) == nil,
                "the error text of an earlier failed attempt is cleared once accepted"
            )
            let failed = try #require(messages.first { $0.id == human.id })
            #expect(failed.status == "failed")
            #expect(failed.errorCode == "131026")
            #expect(failed.isFromHuman && failed.purpose == .human)
            #expect(failed.attempts == 1)
            #expect(failed.providerMessageID == nil)
            #expect(messages.first { $0.id == later.id }?.status == "queued")

            // Every attempt is recorded, numbered, including the ones that changed nothing.
            #expect(
                try await database.rows("SELECT attempt, outcome FROM send_attempts WHERE message_id = CAST(? AS BIGINT) ORDER BY id", [holding.id.bind]) == [
                    ["1", "retry"], ["2", "retry"], ["3", "accepted"], ["4", "retry"], ["4", "failed"],
                ].map { $0.map(Optional.some) }
            )
            #expect(try await database.column("SELECT outcome FROM send_attempts WHERE message_id = CAST(? AS BIGINT)", [human.id.bind]) == ["failed"])
        }
    }

    @Test("recoverInterruptedSends requeues interrupted sends as possibly duplicated (PostgreSQL: only expired send leases)", arguments: StoreBackend.available)
    func recoverInterruptedSends(_ backend: StoreBackend) async throws {
        try await TestDatabase.withConformanceStore(backend, leases: PostgresStore.Leases(sendLease: 0.2, conversationLease: 30)) { _, store in
            let stored = F.stored(try await store.intake.ingest((0..<3).map { F.envelope("wamid.in-\($0)", from: F.customer(number: $0)) }))
            let t0 = F.base.addingTimeInterval(100)
            let early = try await store.outbox.enqueueOutbound(stored[0].conversation, text: "early", purpose: .reply, at: t0)
            let late = try await store.outbox.enqueueOutbound(stored[1].conversation, text: "late", purpose: .reply, at: t0)
            let idle = try await store.outbox.enqueueOutbound(stored[2].conversation, text: "idle", purpose: .reply, at: t0)
            #expect(try await store.outbox.beginSendAttempts([early.id], at: t0) == [early.id])
            #expect(try await store.outbox.beginSendAttempts([late.id], at: t0.addingTimeInterval(1)) == [late.id])

            // At t0 + 1.1 the early send's lease (0.2 s) has expired, the late one's has not.
            let recovered = try await store.outbox.recoverInterruptedSends(at: t0.addingTimeInterval(1.1))
            let due = try await store.outbox.dueOutbox(now: t0.addingTimeInterval(1.1), limit: 10)
            if store.isShared {
                // Several processes share the database: a live lease belongs to a process still sending.
                #expect(recovered == 1)
                #expect(due.map(\.id) == [early.id, idle.id])
                #expect(try await store.outbox.beginSendAttempts([late.id], at: t0.addingTimeInterval(1.1)) == [], "still being sent")
                #expect(try await store.outbox.recoverInterruptedSends(at: t0.addingTimeInterval(1.15)) == 0)
                #expect(try await store.outbox.recoverInterruptedSends(at: t0.addingTimeInterval(1.3)) == 1, "its lease has expired now")
            } else {
                // One process owns the database: everything left `sending` was interrupted.
                #expect(recovered == 2)
                #expect(due.map(\.id) == [early.id, late.id, idle.id])
            }
            let all = try await store.outbox.dueOutbox(now: t0.addingTimeInterval(2), limit: 10)
            #expect(all.map(\.id) == [early.id, late.id, idle.id])
            #expect(all.map(\.possiblyDuplicated) == [true, true, false])
            #expect(all.map(\.attempts) == [0, 0, 0], "recovery is not an attempt")
            #expect(try await store.outbox.recoverInterruptedSends(at: t0.addingTimeInterval(5)) == 0, "nothing left to recover")
            #expect(Set(try await store.outbox.beginSendAttempts([early.id, late.id], at: t0.addingTimeInterval(5))) == [early.id, late.id])
        }
    }

    @Test("delivery statuses never move backwards; failed beats everything but read", arguments: StoreBackend.available)
    func deliveryStatuses(_ backend: StoreBackend) async throws {
        try await TestDatabase.withConformanceStore(backend) { database, store in
            let stored = F.stored(try await store.intake.ingest([F.envelope("wamid.in")]))
            let conversation = stored[0].conversation
            let first = try await store.outbox.enqueueOutbound(conversation, text: "one", purpose: .reply, at: F.base)
            let second = try await store.outbox.enqueueOutbound(conversation, text: "two", purpose: .reply, at: F.base)
            let third = try await store.outbox.enqueueOutbound(conversation, text: "three", purpose: .reply, at: F.base)
            let fourth = try await store.outbox.enqueueOutbound(conversation, text: "four", purpose: .reply, at: F.base)
            try await store.outbox.recordSendOutcome(fourth.id, outcome: .accepted(providerMessageID: "wamid.o4"), at: F.base)
            try await store.outbox.recordSendOutcome(first.id, outcome: .accepted(providerMessageID: "wamid.o1"), at: F.base)
            try await store.outbox.recordSendOutcome(second.id, outcome: .accepted(providerMessageID: "wamid.o2"), at: F.base)
            try await store.outbox.recordSendOutcome(third.id, outcome: .accepted(providerMessageID: "wamid.o3"), at: F.base)

            func state(_ id: MessageID) async throws -> (String?, String?) {
                let message = try await store.contacts.messages(tenantID: F.acme, contactID: conversation.contactID, limit: 10).first { $0.id == id }
                return (message?.status, message?.errorCode)
            }

            #expect(try await store.intake.applyDeliveryStatuses([F.report("wamid.o1", .delivered)], sentBy: [F.acmeBot]) == 1)
            #expect(try await state(first.id) == ("delivered", nil))
            #expect(try await store.intake.applyDeliveryStatuses([F.report("wamid.o1", .sent)], sentBy: [F.acmeBot]) == 0, "a late 'sent' is ignored")
            #expect(try await store.intake.applyDeliveryStatuses([F.report("wamid.o1", .delivered)], sentBy: [F.acmeBot]) == 0)
            #expect(try await state(first.id) == ("delivered", nil))
            #expect(try await store.intake.applyDeliveryStatuses([F.report("wamid.o1", .read)], sentBy: [F.acmeBot]) == 1)
            #expect(try await store.intake.applyDeliveryStatuses([F.report("wamid.o1", .failed, code: "131047")], sentBy: [F.acmeBot]) == 0, "failed does not beat read")
            #expect(try await state(first.id) == ("read", nil))

            // Another provider's report with the same id does not touch it.
            #expect(try await store.intake.applyDeliveryStatuses([F.report("wamid.o2", .read, provider: .infobip)], sentBy: [F.acmeBot]) == 0)
            #expect(try await state(second.id) == ("accepted", nil))
            // Several reports for one message in a batch count it once and leave the most advanced.
            #expect(try await store.intake.applyDeliveryStatuses([F.report("wamid.o2", .sent), F.report("wamid.o2", .delivered), F.report("unknown", .read)], sentBy: [F.acmeBot]) == 1)
            #expect(try await state(second.id) == ("delivered", nil))
            #expect(try await store.intake.applyDeliveryStatuses([F.report("wamid.o2", .failed, code: "131047")], sentBy: [F.acmeBot]) == 1, "failed beats delivered")
            #expect(try await state(second.id) == ("failed", "131047"))
            #expect(try await database.text("SELECT error_message FROM messages WHERE id = CAST(? AS BIGINT)", [second.id.bind]) == "error 131047")
            #expect(try await store.intake.applyDeliveryStatuses([F.report("wamid.o2", .read)], sentBy: [F.acmeBot]) == 0, "nothing moves a failed message")
            #expect(try await state(second.id) == ("failed", "131047"))

            // A batch gives what its reports give one by one: a failure after a read in the same
            // batch does not beat the read; a failure followed by later reports stays failed.
            #expect(try await store.intake.applyDeliveryStatuses([F.report("wamid.o3", .delivered)], sentBy: [F.acmeBot]) == 1)
            #expect(try await store.intake.applyDeliveryStatuses([F.report("wamid.o3", .read), F.report("wamid.o3", .failed, code: "131047")], sentBy: [F.acmeBot]) == 1)
            #expect(try await state(third.id) == ("read", nil), "failed does not beat a read reported before it in the same batch")
            #expect(try await store.intake.applyDeliveryStatuses([F.report("wamid.o4", .failed, code: "1"), F.report("wamid.o4", .sent), F.report("wamid.o4", .read)], sentBy: [F.acmeBot]) == 1)
            #expect(try await state(fourth.id) == ("failed", "1"), "nothing after a failure moves it")
            #expect(try await store.intake.applyDeliveryStatuses([], sentBy: [F.acmeBot]) == 0)
            #expect(try await store.lifecycle.counts().outboxPending == 0)
        }
    }

    // MARK: Instructions, unroutable, leases

    @Test("instructions expire and are tenant scoped; delete only in their tenant", arguments: StoreBackend.available)
    func instructions(_ backend: StoreBackend) async throws {
        try await TestDatabase.withConformanceStore(backend) { _, store in
            let stored = F.stored(try await store.intake.ingest([F.envelope("wamid.1"), F.envelope("wamid.2", from: F.otherCustomer)]))
            let conversation = stored[0].conversation
            let now = F.base
            let expiring = try await store.instructions.addInstruction(conversation, text: "Offer free delivery", expiresAt: now.addingTimeInterval(60), at: now)
            let permanent = try await store.instructions.addInstruction(conversation, text: "Speak Arabic", expiresAt: nil, at: now)
            #expect(expiring.text == "Offer free delivery")
            #expect(expiring.expiresAt == now.addingTimeInterval(60))
            #expect(expiring.createdAt == now)
            #expect(ConversationKey(tenantID: expiring.tenantID, chatbotID: expiring.chatbotID, contactID: expiring.contactID) == conversation)
            #expect(permanent.expiresAt == nil)
            #expect(expiring.id < permanent.id)

            #expect(try await store.instructions.activeInstructions(conversation, at: now) == [expiring, permanent])
            #expect(try await store.instructions.activeInstructions(conversation, at: now.addingTimeInterval(59)).map(\.id) == [expiring.id, permanent.id])
            #expect(try await store.instructions.activeInstructions(conversation, at: now.addingTimeInterval(60)).map(\.id) == [permanent.id], "expired at its expiry instant")
            #expect(try await store.instructions.activeInstructions(stored[1].conversation, at: now).isEmpty, "another contact")
            let otherBot = ConversationKey(tenantID: F.acme, chatbotID: F.acmeSecondBot, contactID: conversation.contactID)
            #expect(try await store.instructions.activeInstructions(otherBot, at: now).isEmpty, "another chatbot")
            let otherTenant = ConversationKey(tenantID: F.globex, chatbotID: F.acmeBot, contactID: conversation.contactID)
            #expect(try await store.instructions.activeInstructions(otherTenant, at: now).isEmpty, "another tenant")

            #expect(try await store.instructions.deleteInstruction(tenantID: F.globex, id: permanent.id) == false, "another tenant cannot delete it")
            #expect(try await store.instructions.activeInstructions(conversation, at: now).map(\.id) == [expiring.id, permanent.id])
            #expect(try await store.instructions.deleteInstruction(tenantID: F.acme, id: permanent.id))
            #expect(try await store.instructions.deleteInstruction(tenantID: F.acme, id: permanent.id) == false)
            #expect(try await store.instructions.activeInstructions(conversation, at: now).map(\.id) == [expiring.id])
        }
    }

    @Test("unroutable messages are kept once per provider id", arguments: StoreBackend.available)
    func unroutable(_ backend: StoreBackend) async throws {
        try await TestDatabase.withConformanceStore(backend, sync: false) { database, store in
            let message = UnroutableMessage(provider: .meta, providerMessageID: "wamid.u", destination: "15559990000", from: "96170000000", text: "hi", receivedAt: F.base)
            try await store.intake.recordUnroutable([message, message])
            try await store.intake.recordUnroutable([
                message, UnroutableMessage(provider: .twilio, providerMessageID: "wamid.u", destination: "x", from: "y", text: nil, receivedAt: F.base),
            ])
            try await store.intake.recordUnroutable([])
            #expect(try await store.lifecycle.counts() == StoreCounts(pendingInbound: 0, outboxPending: 0, unroutable: 2))
            #expect(
                try await database.rows("SELECT provider, destination, from_number, text FROM unroutable_messages ORDER BY provider") == [
                    ["meta", "15559990000", "96170000000", "hi"], ["twilio", "x", "y", nil],
                ]
            )
            try await store.lifecycle.ping()
        }
    }

    @Test("conversation leases: acquire, renew, refuse another holder until expiry, release", arguments: StoreBackend.available)
    func conversationLeases(_ backend: StoreBackend) async throws {
        try await TestDatabase.withConformanceStore(backend) { _, store in
            let stored = F.stored(try await store.intake.ingest([F.envelope("wamid.1"), F.envelope("wamid.2", from: F.otherCustomer)]))
            let conversation = stored[0].conversation, other = stored[1].conversation
            let t0 = F.base
            #expect(try await store.leases.acquireConversationLease(conversation, holder: "A", until: t0.addingTimeInterval(30), now: t0))
            #expect(try await store.leases.acquireConversationLease(conversation, holder: "B", until: t0.addingTimeInterval(40), now: t0.addingTimeInterval(1)) == false)
            #expect(try await store.leases.acquireConversationLease(other, holder: "B", until: t0.addingTimeInterval(40), now: t0.addingTimeInterval(1)), "another conversation is free")

            // The holder renews; the renewal moves the expiry.
            #expect(try await store.leases.acquireConversationLease(conversation, holder: "A", until: t0.addingTimeInterval(60), now: t0.addingTimeInterval(20)))
            #expect(try await store.leases.acquireConversationLease(conversation, holder: "B", until: t0.addingTimeInterval(90), now: t0.addingTimeInterval(45)) == false)
            #expect(try await store.leases.acquireConversationLease(conversation, holder: "B", until: t0.addingTimeInterval(90), now: t0.addingTimeInterval(60)) == false, "held up to its expiry instant")

            // Expired: another holder takes it, and the old holder is refused.
            #expect(try await store.leases.acquireConversationLease(conversation, holder: "B", until: t0.addingTimeInterval(90), now: t0.addingTimeInterval(61)))
            #expect(try await store.leases.acquireConversationLease(conversation, holder: "A", until: t0.addingTimeInterval(95), now: t0.addingTimeInterval(62)) == false)

            // Releasing a lease one does not hold does nothing; the holder's release frees it at once.
            try await store.leases.releaseConversationLease(conversation, holder: "A")
            #expect(try await store.leases.acquireConversationLease(conversation, holder: "A", until: t0.addingTimeInterval(95), now: t0.addingTimeInterval(63)) == false)
            try await store.leases.releaseConversationLease(conversation, holder: "B")
            #expect(try await store.leases.acquireConversationLease(conversation, holder: "A", until: t0.addingTimeInterval(95), now: t0.addingTimeInterval(63)))
            try await store.leases.releaseConversationLease(conversation, holder: "A")
            try await store.leases.releaseConversationLease(conversation, holder: "A")
            #expect(try await store.leases.acquireConversationLease(conversation, holder: "C", until: t0.addingTimeInterval(100), now: t0.addingTimeInterval(64)))
            #expect(try await store.leases.acquireConversationLease(other, holder: "C", until: t0.addingTimeInterval(100), now: t0.addingTimeInterval(39)) == false, "B still holds the other one")
        }
    }

    @Test(
        "a turn's commit counts the usage it carries, once: a second completion of the same messages counts nothing",
        arguments: StoreBackend.available
    )
    func completionCountsItsMeteringOnce(_ backend: StoreBackend) async throws {
        try await TestDatabase.withConformanceStore(backend) { _, store in
            let operations = store
            let stored = F.stored(try await store.intake.ingest([F.envelope("wamid.m1"), F.envelope("wamid.m2", at: 1)]))
            let conversation = stored[0].conversation
            func metering(received: Int, sends: Int) -> MessageMetering {
                MessageMetering(
                    tenantID: F.acme, chatbotID: F.acmeBot, contactID: conversation.contactID, received: received, wantedSends: sends,
                    dailyLimit: nil, monthlyLimit: nil, at: F.base
                )
            }
            var first = F.completion(conversation, [stored[0].id], replies: ["one", "two"])
            first.meterings = [metering(received: 1, sends: 2)]
            // The same turn committed twice, concurrently and again afterwards.
            async let a = store.turns.completeTurn(first)
            async let b = store.turns.completeTurn(first)
            let queued = try await [a, b]
            #expect(queued.map(\.count).sorted() == [0, 2])
            #expect(try await store.turns.completeTurn(first).isEmpty)
            var silent = F.completion(conversation, [stored[1].id], replies: [])
            silent.meterings = [metering(received: 1, sends: 0)]
            _ = try await store.turns.completeTurn(silent)
            let usage = try await operations.usage.usage(tenantID: F.acme, at: F.base)
            #expect(usage.day.messagesReceived == 2)
            #expect(usage.day.messagesSent == 2)
            #expect(usage.month.messagesReceived == 2 && usage.month.messagesSent == 2)
            #expect(try await operations.usage.usage(tenantID: F.globex, at: F.base).day.messagesReceived == 0)
        }
    }

    @Test(
        "leaseConversation called concurrently: each conversation gets its own messages (one customer on two chatbots, two tenants); a second holder gets none",
        arguments: StoreBackend.available
    )
    func concurrentLeasesKeepConversationsApart(_ backend: StoreBackend) async throws {
        try await TestDatabase.withConformanceStore(backend) { _, store in
            let stored = F.stored(
                try await store.intake.ingest([
                    F.envelope("wamid.s1"), F.envelope("wamid.s2", at: 1),
                    F.envelope("wamid.p1", chatbot: F.acmeSecondBot, at: 2),
                    F.envelope("wamid.o1", from: F.otherCustomer, at: 3),
                    F.envelope("wamid.g1", tenant: F.globex, chatbot: F.globexBot, at: 4),
                ])
            )
            #expect(stored.count == 5)
            let conversations = Array(Set(stored.map(\.conversation)))
            #expect(conversations.count == 4)
            let t0 = F.base.addingTimeInterval(10)
            let expected = Dictionary(grouping: stored, by: \.conversation).mapValues { $0.map(\.id) }
            for _ in 0..<3 {
                // The same holder, many turns at once (as the dispatcher's workers): all leased.
                let leased = try await withThrowingTaskGroup(of: (ConversationKey, LeasedConversation?).self) { group in
                    for conversation in conversations {
                        group.addTask {
                            (conversation, try await store.leases.leaseConversation(conversation, holder: "A", until: t0.addingTimeInterval(30), now: t0, pendingLimit: 10))
                        }
                    }
                    return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
                }
                for conversation in conversations {
                    let got = try #require(leased[conversation] ?? nil, "\(conversation) leased")
                    #expect(got.pending.map(\.id) == expected[conversation], "\(conversation)")
                    #expect(got.pending.allSatisfy { $0.conversation == conversation })
                }
            }
            // Another holder, concurrently: every conversation is A's.
            let denied = try await withThrowingTaskGroup(of: LeasedConversation?.self) { group in
                for conversation in conversations {
                    group.addTask { try await store.leases.leaseConversation(conversation, holder: "B", until: t0.addingTimeInterval(40), now: t0.addingTimeInterval(1), pendingLimit: 10) }
                }
                return try await group.reduce(into: [LeasedConversation?]()) { $0.append($1) }
            }
            #expect(denied.count == 4)
            #expect(denied.allSatisfy { $0 == nil })
        }
    }

    @Test(
        "leaseConversation: the pending messages with the lease, nil without it; the turn's commit ends the lease",
        arguments: StoreBackend.available
    )
    func leaseConversationWithItsTurn(_ backend: StoreBackend) async throws {
        try await TestDatabase.withConformanceStore(backend) { _, store in
            let stored = F.stored(try await store.intake.ingest([F.envelope("wamid.1"), F.envelope("wamid.2", at: 1)]))
            let conversation = stored[0].conversation
            let t0 = F.base
            let operations = store
            _ = try await store.instructions.addInstruction(conversation, text: "offer free delivery", expiresAt: nil, at: t0)
            _ = try await store.instructions.addInstruction(conversation, text: "expired", expiresAt: t0.addingTimeInterval(-1), at: t0.addingTimeInterval(-10))
            let entry = try await operations.knowledge.addKnowledgeEntry(
                tenantID: F.acme, chatbotID: F.acmeBot, draft: KnowledgeDraft(question: "Delivery?", answer: "Two days."), at: t0
            )
            _ = try await operations.takeovers.startTakeover(tenantID: F.acme, chatbotID: F.acmeBot, contactID: conversation.contactID, startedBy: "ops", at: t0)

            let leased = try #require(
                try await store.leases.leaseConversation(conversation, holder: "A", until: t0.addingTimeInterval(30), now: t0, pendingLimit: 1)
            )
            #expect(leased.pending.map(\.id) == [stored[0].id], "oldest first, within the limit")
            // A shared store reads the facts with the lease, as the middleware would read them.
            if store.isShared {
                let facts = try #require(leased.facts)
                #expect(facts.activeTakeover?.startedBy == "ops")
                #expect(facts.instructions.map(\.text) == ["offer free delivery"])
                #expect(facts.knowledge.map(\.id) == [entry.id])
            }
            #expect(
                try await store.leases.leaseConversation(conversation, holder: "B", until: t0.addingTimeInterval(40), now: t0.addingTimeInterval(1), pendingLimit: 10)
                    == nil
            )

            // The commit of A's turn ends A's lease: B takes the conversation at once and finds
            // the message A did not answer.
            var completion = F.completion(conversation, [stored[0].id], replies: ["hi"], at: 2)
            completion.releasingLeaseOf = "A"
            #expect(try await store.turns.completeTurn(completion).count == 1)
            let next = try #require(
                try await store.leases.leaseConversation(conversation, holder: "B", until: t0.addingTimeInterval(40), now: t0.addingTimeInterval(3), pendingLimit: 10)
            )
            #expect(next.pending.map(\.id) == [stored[1].id])
            // A commit naming a holder that does not hold the lease leaves it alone.
            var stray = F.completion(conversation, [], replies: [], at: 4)
            stray.releasingLeaseOf = "A"
            _ = try await store.turns.completeTurn(stray)
            #expect(try await store.leases.acquireConversationLease(conversation, holder: "A", until: t0.addingTimeInterval(50), now: t0.addingTimeInterval(5)) == false)
        }
    }

    // MARK: Reading back

    @Test("history(before:limit:) is oldest first, per conversation and tenant", arguments: StoreBackend.available)
    func history(_ backend: StoreBackend) async throws {
        try await TestDatabase.withConformanceStore(backend) { _, store in
            let stored = F.stored(try await store.intake.ingest([
                F.envelope("wamid.1", content: .text("one"), at: 0),
                F.envelope("wamid.2", content: .text("two"), at: 1),
                F.envelope("wamid.x", chatbot: F.acmeSecondBot, content: .text("other bot"), at: 2),
                F.envelope("wamid.y", from: F.otherCustomer, content: .text("other contact"), at: 3),
            ]))
            let conversation = stored[0].conversation
            let replies = try await store.turns.completeTurn(F.completion(conversation, [stored[0].id, stored[1].id], replies: ["three", "four"], at: 20))
            let human = try await store.outbox.enqueueOutbound(conversation, text: "five", purpose: .human, at: F.base.addingTimeInterval(30))

            let all = try await store.turns.history(conversation, before: nil, limit: 10)
            #expect(all.map(\.id) == [stored[0].id, stored[1].id, replies[0].id, replies[1].id, human.id])
            #expect(all.map(\.text) == ["one", "two", "three", "four", "five"])
            #expect(all.map(\.direction) == [.inbound, .inbound, .outbound, .outbound, .outbound])
            #expect(all.map(\.isFromHuman) == [false, false, false, false, true])
            #expect(all.map(\.kind) == [.text, .text, .text, .text, .text])
            #expect(all.map(\.createdAt) == [0, 1, 20, 20, 30].map { F.base.addingTimeInterval($0) })
            #expect(try await store.turns.history(conversation, before: nil, limit: 2).map(\.text) == ["four", "five"], "the last 2, oldest first")
            #expect(try await store.turns.history(conversation, before: replies[1].id, limit: 2).map(\.text) == ["two", "three"])
            #expect(try await store.turns.history(conversation, before: stored[0].id, limit: 10).isEmpty)
            #expect(try await store.turns.history(conversation, before: nil, limit: 0).isEmpty)

            #expect(try await store.turns.history(stored[2].conversation, before: nil, limit: 10).map(\.text) == ["other bot"])
            #expect(try await store.turns.history(stored[3].conversation, before: nil, limit: 10).map(\.text) == ["other contact"])
            let otherTenant = ConversationKey(tenantID: F.globex, chatbotID: F.acmeBot, contactID: conversation.contactID)
            #expect(try await store.turns.history(otherTenant, before: nil, limit: 10).isEmpty, "tenant scoped")
        }
    }

    @Test("messages(tenantID:contactID:) is the contact's last messages in the tenant, oldest first", arguments: StoreBackend.available)
    func messagesOfContact(_ backend: StoreBackend) async throws {
        try await TestDatabase.withConformanceStore(backend) { _, store in
            let stored = F.stored(try await store.intake.ingest([
                F.envelope("wamid.1", at: 0),
                F.envelope("wamid.2", chatbot: F.acmeSecondBot, at: 1),
                F.envelope("wamid.3", from: F.otherCustomer, at: 2),
                F.envelope("wamid.4", tenant: F.globex, chatbot: F.globexBot, provider: .twilio, at: 3),
            ]))
            let contactID = stored[0].contactID
            let reply = try await store.outbox.enqueueOutbound(stored[0].conversation, text: "hi", purpose: .reply, at: F.base.addingTimeInterval(4))

            let messages = try await store.contacts.messages(tenantID: F.acme, contactID: contactID, limit: 10)
            #expect(messages.map(\.id) == [stored[0].id, stored[1].id, reply.id], "every chatbot of the tenant")
            #expect(messages.map(\.chatbotID) == [F.acmeBot, F.acmeSecondBot, F.acmeBot])
            #expect(messages.allSatisfy { $0.tenantID == F.acme && $0.contactID == contactID })
            let first = messages[0]
            #expect(first.direction == .inbound && first.kind == .text && first.text == "hello")
            #expect(first.provider == .meta && first.providerMessageID == "wamid.1" && first.status == "received")
            #expect(!first.aiProcessed && first.processingMilliseconds == nil && first.purpose == nil && first.attempts == 0)
            #expect(!first.possiblyDuplicated && first.errorCode == nil && first.createdAt == F.base)
            #expect(try await store.contacts.messages(tenantID: F.acme, contactID: contactID, limit: 2).map(\.id) == [stored[1].id, reply.id])
            #expect(try await store.contacts.messages(tenantID: F.acme, contactID: contactID, limit: 0).isEmpty)

            #expect(try await store.contacts.messages(tenantID: F.globex, contactID: contactID, limit: 10).isEmpty, "tenant scoped")
            #expect(try await store.contacts.messages(tenantID: F.acme, contactID: stored[3].contactID, limit: 10).isEmpty, "tenant scoped")
            #expect(try await store.contacts.messages(tenantID: F.globex, contactID: stored[3].contactID, limit: 10).map(\.id) == [stored[3].id])
        }
    }

    @Test("counts() follows inbound turns, the outbox and unroutable messages", arguments: StoreBackend.available)
    func counts(_ backend: StoreBackend) async throws {
        try await TestDatabase.withConformanceStore(backend) { _, store in
            #expect(try await store.lifecycle.counts() == StoreCounts(pendingInbound: 0, outboxPending: 0, unroutable: 0))
            let stored = F.stored(try await store.intake.ingest([F.envelope("wamid.1"), F.envelope("wamid.2", at: 1), F.envelope("wamid.3", from: F.otherCustomer, at: 2)]))
            #expect(try await store.lifecycle.counts() == StoreCounts(pendingInbound: 3, outboxPending: 0, unroutable: 0))
            let entries = try await store.turns.completeTurn(F.completion(stored[0].conversation, [stored[0].id, stored[1].id], replies: ["a", "b", "c"]))
            #expect(try await store.lifecycle.counts() == StoreCounts(pendingInbound: 1, outboxPending: 3, unroutable: 0))
            _ = try await store.outbox.beginSendAttempts([entries[0].id, entries[1].id], at: F.base)
            #expect(try await store.lifecycle.counts() == StoreCounts(pendingInbound: 1, outboxPending: 3, unroutable: 0), "sending is still pending")
            try await store.outbox.recordSendOutcome(entries[0].id, outcome: .accepted(providerMessageID: "wamid.o1"), at: F.base)
            try await store.outbox.recordSendOutcome(entries[1].id, outcome: .failed(code: nil, message: "bad request"), at: F.base)
            try await store.outbox.recordSendOutcome(entries[2].id, outcome: .retry(error: "timeout", retryAt: F.base, possiblyDelivered: true), at: F.base)
            try await store.intake.recordUnroutable([
                UnroutableMessage(provider: .meta, providerMessageID: "u1", destination: "1", from: "2", text: nil, receivedAt: F.base)
            ])
            #expect(try await store.lifecycle.counts() == StoreCounts(pendingInbound: 1, outboxPending: 1, unroutable: 1))
        }
    }

    // MARK: Durability

    @Test("data survives shutdown and reopen", arguments: StoreBackend.available)
    func survivesReopen(_ backend: StoreBackend) async throws {
        let database = try await TestDatabase.make(backend)
        do {
            try await Self.writeShutDownAndReopen(database)
        } catch {
            await database.remove()
            throw error
        }
        await database.remove()
    }

    private static func writeShutDownAndReopen(_ database: TestDatabase) async throws {
        let (inbound, outbox, instruction) = try await database.withStore { store -> ([StoredInbound], [OutboxEntry], ConversationInstruction) in
            try await store.directory.syncDirectory(F.directory)
            let stored = F.stored(try await store.intake.ingest([F.envelope("wamid.1", name: "Rana"), F.envelope("wamid.2", at: 1)]))
            let entries = try await store.turns.completeTurn(F.completion(stored[0].conversation, [stored[0].id], replies: ["Welcome!"], at: 2))
            let instruction = try await store.instructions.addInstruction(stored[0].conversation, text: "VIP", expiresAt: nil, at: F.base)
            try await store.intake.recordUnroutable([
                UnroutableMessage(provider: .meta, providerMessageID: "u1", destination: "1", from: "2", text: nil, receivedAt: F.base)
            ])
            return (stored, entries, instruction)
        }
        #expect(inbound.count == 2 && outbox.count == 1)

        // Reopen without migrating: the schema is current and everything is where it was.
        try await database.withStore(migrate: false) { store async throws in
            let status = try await store.lifecycle.migrationStatus()
            #expect(status.pending.isEmpty)
            #expect(status.applied == database.migrations.map(\.version).sorted())
            #expect(try await store.turns.pendingInbound(limit: 10) == [inbound[1]].map { var message = $0; message.contactName = "Rana"; return message })
            #expect(try await store.outbox.dueOutbox(now: F.base.addingTimeInterval(2), limit: 10) == outbox)
            #expect(try await store.contacts.contact(tenantID: F.acme, id: inbound[0].contactID)?.name == "Rana")
            #expect(try await store.instructions.activeInstructions(inbound[0].conversation, at: F.base) == [instruction])
            #expect(try await store.lifecycle.counts() == StoreCounts(pendingInbound: 1, outboxPending: 1, unroutable: 1))
            #expect(try await store.intake.ingest([F.envelope("wamid.1")]) == [.duplicate(providerMessageID: "wamid.1")])
            #expect(try await store.turns.history(inbound[0].conversation, before: nil, limit: 10).compactMap(\.text) == ["hello", "hello", "Welcome!"])
            // New ids continue after the old ones.
            let next = try #require(F.stored(try await store.intake.ingest([F.envelope("wamid.3", at: 3)])).first)
            #expect(next.id > outbox[0].id)
        }
    }
}
