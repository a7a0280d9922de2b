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
/// stored). Accepted messages are committed (group commit) before the 200; a provider's retry
/// of a stored message is answered 200 and not processed again.
struct WebhookController: Sendable {
    let state: RuntimeStateHolder
    let store: any Store
    let intake: IntakeBatcher
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
        guard channel.authenticate(webhook, accounts: snapshot.accounts(for: channel.provider)) != nil else {
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
        var envelopes: [InboundEnvelope] = []
        var unroutable: [UnroutableMessage] = []
        for message in parsed.messages {
            if let route = snapshot.routing.route(provider: message.provider, number: message.to, phoneNumberID: message.toPhoneNumberID) {
                envelopes.append(InboundEnvelope(tenantID: route.tenantID, chatbotID: route.chatbotID, message: message, receivedAt: now))
            } else {
                unroutable.append(
                    UnroutableMessage(
                        provider: message.provider, providerMessageID: message.providerMessageID,
                        destination: message.to?.digits ?? message.toPhoneNumberID ?? "unknown", from: message.from.digits, text: message.content.text, receivedAt: now
                    )
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
                try await store.recordUnroutable(unroutable)
                ServerMetrics.unroutable(provider: provider, count: unroutable.count)
                logger.info("message to an unknown number kept as unroutable", metadata: ["provider": "\(provider)", "count": "\(unroutable.count)", "destination": "\(unroutable[0].destination)"])
            }
            if !parsed.statuses.isEmpty {
                try await store.applyDeliveryStatuses(parsed.statuses)
                ServerMetrics.statuses(provider: provider, count: parsed.statuses.count)
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
