import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import SwiftRepliesChannels
import SwiftRepliesConfig
import SwiftRepliesCore
import SwiftRepliesRuntime

/// Builds the SwiftReplies server: loads and validates the configuration (throwing
/// `ConfigError` with every problem), opens and migrates the store, and wires the webhook
/// routes, the intake (group commit), the dispatcher, the outbox and health/metrics into one
/// Hummingbird application whose services run in one ServiceGroup.
///
/// `serve`, the tests and the benchmark all run what this returns.
public func buildApplication(_ configuration: ServerConfiguration, registries: ModuleRegistries = .builtIn()) async throws -> some ApplicationProtocol {
    let logger = configuration.logger
    // ENABLE_USAGE_TRACKING / ENABLE_ACTIONS_CENTER off: those middleware pass through.
    let registries = registries.applying(HostSwitches(environment: configuration.environment))
    let loader = registries.configLoader(directory: configuration.configDirectory, environment: configuration.environment)
    // Taken before loading: a save made while the server starts is noticed by the watcher.
    let loadedFingerprint = ConfigWatchService.fingerprint(tenantsFile: loader.tenantsFilePath, agentsDirectory: loader.agentsDirectoryPath)
    let snapshot = try loader.load()
    for warning in snapshot.warnings { logger.warning("\(warning.description)") }

    let stores = try await StoreOpener.open(configuration.database, environment: configuration.environment, logger: logger)
    let host: LocalHost
    do {
        host = try await LocalHost.start(snapshot: snapshot, stores: stores, registries: registries, logger: logger)
    } catch {
        try? await stores.lifecycle.shutdown()
        throw error
    }

    var clientConfiguration = HTTPClient.Configuration()
    clientConfiguration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)
    // No read timeout: every provider request carries a deadline for the whole exchange
    // (`ProviderHTTPTransport`, `ServerConfiguration.providerTimeout`), and the read timer was
    // scheduled, reset and cancelled on every request besides.
    clientConfiguration.timeout = .init(connect: .seconds(5), read: nil)
    // Provider APIs answer where they are asked; a redirect is an answer to classify (a failed
    // send), not a reason to POST a customer's message somewhere else.
    clientConfiguration.redirectConfiguration = .disallow
    // No spans: SwiftReplies bootstraps no tracer, and a no-op span still cost 1.5-3 % of the
    // CPU while replies drained (its attributes are computed on every request).
    clientConfiguration.tracing.tracer = nil
    let httpClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)

    let meta = MetaChannel(httpClient: httpClient, requestTimeout: configuration.providerTimeout)
    let infobip = InfobipChannel(httpClient: httpClient, requestTimeout: configuration.providerTimeout)
    let twilio = TwilioChannel(httpClient: httpClient, requestTimeout: configuration.providerTimeout)
    let channels: [ProviderKind: any MessagingChannel] = [.meta: meta, .infobip: infobip, .twilio: twilio]

    let outbox = OutboxSender(
        store: stores.outbox, isShared: stores.isShared, state: host.state, channels: channels, logger: logger, policy: RetryPolicy(baseDelay: configuration.retryBaseDelay),
        pollInterval: configuration.outboxPollInterval
    )
    let conversationLease = configuration.environment["CONVERSATION_LEASE_SECONDS"].flatMap(Double.init).flatMap { $0 > 0 ? $0 : nil } ?? 30
    let dispatcher = Dispatcher(
        engine: host.engine, state: host.state, outbox: outbox, stores: stores, logger: logger, capacity: configuration.dispatchQueueCapacity,
        leaseDuration: conversationLease
    )
    let intake = Intake(store: stores.intake, dispatcher: dispatcher)
    let reloader = ConfigReloader(loader: loader, registries: registries, stores: stores, state: host.state, logger: logger)

    let router = Router()
    WebhookController(
        state: host.state, store: stores.intake, intake: intake, meta: meta, infobip: infobip, twilio: twilio,
        maximumBodyBytes: configuration.maximumBodyBytes, logger: logger
    ).register(on: router)
    HealthController(
        state: host.state, store: stores.lifecycle, dispatcher: dispatcher, outbox: outbox, reloader: reloader, prometheus: configuration.prometheus
    ).register(on: router)
    AdminController(reloader: reloader, adminToken: configuration.environment["ADMIN_TOKEN"]).register(on: router)
    // The tenant REST API (/api/v1) and the Actions Center's sweep (resolution turns run in the
    // dispatcher).
    OperatorAPI(state: host.state, stores: stores, outbox: outbox, dispatcher: dispatcher, environment: configuration.environment, logger: logger)
        .register(on: router)
    let operationsSweep = OperationsSweepService(
        state: host.state, actions: stores.actions, contacts: stores.contacts, directory: stores.directory, dispatcher: dispatcher, logger: logger,
        interval: .milliseconds(Int((Double(configuration.environment["OPERATIONS_SWEEP_SECONDS"] ?? "") ?? 5) * 1000))
    )

    // Services start in this order and stop in reverse: the HTTP server (added by Hummingbird
    // last) stops first, once the requests in progress have finished (webhooks commit their
    // messages in their own requests, see `Intake`), then the dispatcher finishes its turns, the
    // outbox sends what it holds, and the HTTP client and store close last.
    let services: [any Service] = [
        StoreService(store: stores.lifecycle),
        HTTPClientService(client: httpClient),
        OutboxService(outbox: outbox),
        DispatcherService(dispatcher: dispatcher),
        operationsSweep,
        ConfigWatchService(
            reloader: reloader, tenantsFile: loader.tenantsFilePath, agentsDirectory: loader.agentsDirectoryPath,
            watchFiles: configuration.watchConfiguration, interval: configuration.configWatchInterval, logger: logger,
            loadedFingerprint: loadedFingerprint
        ),
    ]
    logger.info(
        "SwiftReplies ready", metadata: ["tenants": "\(snapshot.tenants.count)", "chatbots": "\(snapshot.chatbots.count)", "database": "\(stores.backendName)"]
    )
    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "swiftreplies"),
        services: services,
        logger: logger
    )
}
