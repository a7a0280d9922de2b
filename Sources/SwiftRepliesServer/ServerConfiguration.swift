import Foundation
import Logging
import Prometheus
import SwiftRepliesRuntime

/// Everything `buildApplication` needs: where the configuration and database are, where to
/// listen, and the environment `${VAR}` references resolve against.
public struct ServerConfiguration: Sendable {
    /// Directory with `tenants.yaml` and `agents/`.
    public var configDirectory: String
    /// SQLite path or `postgres://` URL (see `StoreOpener.resolve`).
    public var database: String
    public var host: String
    public var port: Int
    /// Webhook bodies above this are refused with 413 before anything else.
    public var maximumBodyBytes: Int
    public var environment: [String: String]
    public var logger: Logger
    /// How long one send to a provider may take before it counts as timed out.
    public var providerTimeout: Duration
    /// The first retry delay of a failed send, in seconds (doubling, with jitter, up to 5 minutes).
    public var retryBaseDelay: Double
    /// How often the outbox looks for due retries.
    public var outboxPollInterval: Duration
    /// The most inbound messages waiting for a turn in memory; more wait in the store and are
    /// loaded back in order. A small queue keeps the dispatcher's tables small: at 2,000 the
    /// load benchmark used less CPU and about 15 MiB less memory than at 20,000
    /// (docs/performance.md).
    public var dispatchQueueCapacity: Int
    /// Reload the configuration when its files change (`serve --no-watch` turns it off).
    public var watchConfiguration: Bool
    /// How often the configuration files are checked for changes.
    public var configWatchInterval: Duration
    /// The registry `/metrics` renders; bootstrap swift-metrics with it (`MetricsBootstrap`).
    public var prometheus: PrometheusCollectorRegistry?

    public init(
        configDirectory: String = ".", database: String = StoreOpener.defaultSQLitePath, host: String = "0.0.0.0", port: Int = 8000,
        maximumBodyBytes: Int = 1 << 20, environment: [String: String] = ProcessInfo.processInfo.environment,
        logger: Logger = Logger(label: "swiftreplies"), prometheus: PrometheusCollectorRegistry? = nil,
        providerTimeout: Duration = .seconds(10), retryBaseDelay: Double = 1, outboxPollInterval: Duration = .seconds(1),
        dispatchQueueCapacity: Int = 2_000, watchConfiguration: Bool = true, configWatchInterval: Duration = .milliseconds(500)
    ) {
        self.watchConfiguration = watchConfiguration
        self.configWatchInterval = configWatchInterval
        self.dispatchQueueCapacity = dispatchQueueCapacity
        self.providerTimeout = providerTimeout
        self.retryBaseDelay = retryBaseDelay
        self.outboxPollInterval = outboxPollInterval
        self.prometheus = prometheus
        self.configDirectory = configDirectory
        self.database = database
        self.host = host
        self.port = port
        self.maximumBodyBytes = maximumBodyBytes
        self.environment = environment
        self.logger = logger
    }
}
