import Foundation
import Hummingbird
import Logging
import SwiftRepliesCore
import SwiftRepliesRuntime

/// The tenant REST API under `/api/v1`, authenticated by tenant API key (see
/// `APIKeyAuthenticator`): contacts and their conversation, instructions, knowledge base
/// entries, the Actions Center, live takeover, usage, events and outgoing webhooks. Every query
/// is scoped to the key's tenant: another tenant's id answers 404 and changes nothing.
struct OperatorAPI: Sendable {
    let state: RuntimeStateHolder
    let stores: StoreSet
    let outbox: OutboxSender
    let dispatcher: Dispatcher
    let environment: [String: String]
    let logger: Logger

    /// Requests per key per hour unless the key sets its own: `API_RATE_LIMIT_PER_HOUR`, else 1,000.
    var defaultRateLimit: Int { environment["API_RATE_LIMIT_PER_HOUR"].flatMap { Int($0) }.map { max(1, $0) } ?? 1000 }

    func register(on router: Router<BasicRequestContext>) {
        let authenticator = APIKeyAuthenticator(
            stores: stores, state: state, rateLimiter: APIRateLimiter(defaultLimit: defaultRateLimit),
            logger: logger
        )
        // The size first, for every /api/v1 request: routes that exist or not, keys valid or not.
        router.add(middleware: APIBodyLimitMiddleware(limit: APIRequestContext.maximumBodyBytes))
        let api = router.group("api/v1", context: APIRequestContext.self).add(middleware: authenticator)
        ContactsController(logger: logger).register(on: api)
        TakeoverController(outbox: outbox, logger: logger).register(on: api)
        KnowledgeController(state: state, logger: logger).register(on: api)
        ActionsController(state: state, dispatcher: dispatcher, logger: logger).register(on: api)
        UsageController(state: state, logger: logger).register(on: api)
        WebhooksController(logger: logger).register(on: api)
    }
}
