import Foundation
import Hummingbird
import Logging
import NIOCore
import SwiftRepliesChannels
import SwiftRepliesConfig
import SwiftRepliesCore
import SwiftRepliesRuntime

/// The provider webhook routes: one URL per provider for all tenants, routed by destination.
///
/// Order of checks: body size (413), then the signature against the configured accounts'
/// secrets before anything is parsed (401, nothing stored), then the payload (400, nothing
/// stored), then each entry's destination: an entry is accepted only for a number that the
/// account which signed the webhook serves (entries for other accounts' numbers are dropped;
/// 401 when nothing was left). Accepted messages are committed (group commit) before the 200; a provider's retry
/// of a stored message is answered 200 and not processed again.
struct WebhookController: Sendable {
    let state: RuntimeStateHolder
    let store: any IntakeStore
    let intake: Intake
    let meta: MetaChannel
    let infobip: InfobipChannel
    let twilio: TwilioChannel
    let maximumBodyBytes: Int
    let logger: Logger
    /// Each provider's handles for the counts of every accepted webhook.
    private let routeMetrics = Dictionary(uniqueKeysWithValues: [ProviderKind.meta, .infobip, .twilio].map { ($0, WebhookRouteMetrics(provider: $0)) })

    func register(on router: Router<BasicRequestContext>) {
        router.get("/webhooks/meta") { request, _ in verifyMeta(request) }
        router.post("/webhooks/meta") { request, _ in try await receive(request, channel: meta) }
        router.post("/webhooks/infobip") { request, _ in try await receive(request, channel: infobip) }
        // Alias of the Infobip route for existing integrations (seed 002).
        router.post("/webhook") { request, _ in try await receive(request, channel: infobip) }
        router.post("/webhooks/twilio") { request, _ in try await receive(request, channel: twilio) }
    }

    private func verifyMeta(_ request: Request) -> Response {
        let query = FormURLEncoding.decode(request.uri.query ?? "")
        if let challenge = meta.verifyHandshake(query: query, accounts: state.current.snapshot.accounts(for: .meta)) {
            ServerMetrics.webhook(provider: "meta", outcome: "verified")
            return Response(status: .ok, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: challenge)))
        }
        ServerMetrics.webhook(provider: "meta", outcome: "verify_rejected")
        return JSONResponse.error(.forbidden, "verification failed: hub.mode must be subscribe and hub.verify_token must match a Meta account's verify_token")
    }

    private func receive(_ request: Request, channel: some MessagingChannel) async throws -> Response {
        let provider = channel.provider.rawValue
        let webhook: WebhookRequest
        do {
            webhook = try await request.webhookRequest(limit: maximumBodyBytes)
        } catch is NIOTooManyBytesError {
            ServerMetrics.webhook(provider: provider, outcome: "too_large")
            return JSONResponse.error(.contentTooLarge, "body larger than \(maximumBodyBytes) bytes")
        }
        let runtime = state.current
        let snapshot = runtime.snapshot
        let signers = channel.signingAccounts(webhook, accounts: snapshot.accounts(for: channel.provider))
        guard !signers.isEmpty else {
            ServerMetrics.webhook(provider: provider, outcome: "unauthorized")
            logger.notice("webhook rejected: bad or missing signature", metadata: ["provider": "\(provider)"])
            return JSONResponse.error(.unauthorized, "invalid or missing signature for every configured \(provider) account")
        }
        let parsed: ParsedWebhook
        do {
            parsed = try channel.parse(webhook)
        } catch {
            ServerMetrics.webhook(provider: provider, outcome: "malformed")
            logger.notice("webhook rejected: malformed payload", metadata: ["provider": "\(provider)", "error": "\(error)"])
            return JSONResponse.error(.badRequest, "malformed \(provider) payload: \(error)")
        }

        let metrics = routeMetrics[channel.provider]
        let now = Date()
        // Each entry is accepted only for a number that an account which signed the webhook
        // serves; entries for another account's numbers are dropped and counted.
        let signerIDs = Set(signers.map(\.id))
        var envelopes: [InboundEnvelope] = []
        var unroutable: [UnroutableMessage] = []
        var otherAccount: [String] = []
        for message in parsed.messages {
            switch snapshot.routing.route(provider: channel.provider, number: message.to, phoneNumberID: message.toPhoneNumberID, signedBy: signerIDs) {
            case .routed(let route):
                envelopes.append(InboundEnvelope(tenantID: route.tenantID, chatbotID: route.chatbotID, message: message, receivedAt: now))
            case .otherAccount:
                otherAccount.append(message.to?.digits ?? message.toPhoneNumberID ?? "unknown")
            case .unknown:
                unroutable.append(
                    UnroutableMessage(
                        provider: message.provider, providerMessageID: message.providerMessageID,
                        destination: message.to?.digits ?? message.toPhoneNumberID ?? "unknown", from: message.from.digits, text: message.content.text, receivedAt: now
                    )
                )
            }
        }
        var statuses: [DeliveryStatusUpdate] = []
        for status in parsed.statuses {
            if status.businessNumber != nil || status.businessPhoneNumberID != nil,
                snapshot.routing.route(provider: channel.provider, number: status.businessNumber, phoneNumberID: status.businessPhoneNumberID, signedBy: signerIDs)
                    == .otherAccount
            {
                otherAccount.append(status.businessNumber?.digits ?? status.businessPhoneNumberID ?? "unknown")
                continue
            }
            statuses.append(status)
        }
        if !otherAccount.isEmpty {
            ServerMetrics.otherAccountEntries(provider: provider, count: otherAccount.count)
            logger.warning(
                "webhook entries for numbers another account serves were dropped",
                metadata: [
                    "provider": "\(provider)", "signed_by": "\(signerIDs.sorted().joined(separator: ","))", "count": "\(otherAccount.count)",
                    "destination": "\(otherAccount[0])",
                ]
            )
            if envelopes.isEmpty && unroutable.isEmpty && statuses.isEmpty {
                ServerMetrics.webhook(provider: provider, outcome: "other_account")
                return JSONResponse.error(
                    .unauthorized, "the \(provider) account that signed this webhook does not serve the numbers it names"
                )
            }
        }
        do {
            let outcomes = try await intake.submit(envelopes)
            var newByTenant: [TenantID: Int] = [:]
            var duplicateByTenant: [TenantID: Int] = [:]
            for (envelope, outcome) in zip(envelopes, outcomes) {
                if outcome.stored != nil { newByTenant[envelope.tenantID, default: 0] += 1 } else { duplicateByTenant[envelope.tenantID, default: 0] += 1 }
            }
            for (tenant, count) in newByTenant { metrics?.storedMessages[tenant.rawValue].increment(by: count) }
            for (tenant, count) in duplicateByTenant { metrics?.duplicateMessages[tenant.rawValue].increment(by: count) }
            if !unroutable.isEmpty {
                // Counted once per message: a provider's redelivery of one already kept is not new.
                let kept = try await store.recordUnroutable(unroutable)
                ServerMetrics.unroutable(provider: provider, count: kept)
                if kept > 0 {
                    logger.info(
                        "message to an unknown number kept as unroutable",
                        metadata: ["provider": "\(provider)", "count": "\(kept)", "destination": "\(unroutable[0].destination)"]
                    )
                }
            }
            if !statuses.isEmpty {
                try await store.applyDeliveryStatuses(statuses, sentBy: snapshot.routing.chatbots(provider: channel.provider, servedBy: signerIDs))
                ServerMetrics.statuses(provider: provider, count: statuses.count)
            }
        } catch {
            ServerMetrics.webhook(provider: provider, outcome: "error")
            logger.error("webhook could not be stored; the provider will retry", metadata: ["provider": "\(provider)", "error": "\(error)"])
            return JSONResponse.error(.internalServerError, "could not store the webhook; please retry")
        }
        metrics?.accepted.increment()
        if channel.provider == .twilio {
            return Response(
                status: .ok, headers: [.contentType: "text/xml"],
                body: .init(byteBuffer: Self.twilioAcknowledged)
            )
        }
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: Self.acknowledged))
    }

    /// The body of every accepted webhook, built once (this is the hot path).
    private static let acknowledged = ByteBuffer(string: #"{"status":"ok"}"#)
    private static let twilioAcknowledged = ByteBuffer(string: "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>")
}
