// swift-tools-version:6.0
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
]

let package = Package(
    name: "SwiftReplies",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "swiftreplies", targets: ["swiftreplies"]),
        .library(name: "SwiftRepliesCore", targets: ["SwiftRepliesCore"]),
        .library(name: "SwiftRepliesConfig", targets: ["SwiftRepliesConfig"]),
        .library(name: "SwiftRepliesStores", targets: ["SwiftRepliesStores"]),
        .library(name: "SwiftRepliesAgents", targets: ["SwiftRepliesAgents"]),
        .library(name: "SwiftRepliesMiddleware", targets: ["SwiftRepliesMiddleware"]),
        .library(name: "SwiftRepliesChannels", targets: ["SwiftRepliesChannels"]),
        .library(name: "SwiftRepliesRuntime", targets: ["SwiftRepliesRuntime"]),
        .library(name: "SwiftRepliesServer", targets: ["SwiftRepliesServer"]),
        .library(name: "SwiftRepliesTesting", targets: ["SwiftRepliesTesting"]),
        .library(name: "SwiftRepliesEval", targets: ["SwiftRepliesEval"]),
        .library(name: "SwiftRepliesRemoteAgents", targets: ["SwiftRepliesRemoteAgents"]),
        .library(name: "SwiftRepliesCustomAgents", targets: ["SwiftRepliesCustomAgents"]),
        .plugin(name: "ValidateConfigPlugin", targets: ["ValidateConfigPlugin"]),
        .plugin(name: "NewAgentPlugin", targets: ["NewAgentPlugin"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.1.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/vapor/postgres-kit.git", from: "2.17.0"),
    ],
    targets: [
        // Core: identifiers, definitions, the turn, agent/middleware/store/channel protocols and the
        // turn pipeline. Imports no HTTP and no SQL.
        .target(
            name: "SwiftRepliesCore",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Configuration: YAML (Yams) into typed definitions, validation, snapshots and routing.
        .target(
            name: "SwiftRepliesConfig",
            dependencies: [
                "SwiftRepliesCore",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Storage: the SQLite store (the system's SQLite, one writer connection with group commit) and the
        // PostgreSQL store (postgres-nio, row-level security), by folder: Rules (decisions both
        // share), SharedSQL (sql-kit's `SQLDatabase` over both backends: tenant transactions, the
        // dialect differences in one place), Aggregates (the operator aggregates whose SQL is
        // written once on it), SQLite, PostgreSQL (each backend's hot path), Migrations (the
        // runner and each dialect's versions), GroupCommit, LegacyImport (the old single-tenant
        // schema); StoreAssembly.swift builds each database's StoreSet.
        .target(
            name: "SwiftRepliesStores",
            dependencies: [
                "SwiftRepliesCore",
                "CSQLite3",
                "CSQLiteSetup",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // SQLite's C interface from the system's library (Debian: libsqlite3-dev), the one copy of
        // SQLite in the process.
        .systemLibrary(name: "CSQLite3", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        // SQLite's process-wide set-up, done before its first use: memory statistics off, and a
        // wrapper around its built-in page cache that keeps commits from scanning all of it
        // (Sources/CSQLiteSetup/PageCache.c).
        .target(name: "CSQLiteSetup", dependencies: ["CSQLite3"]),
        // Built-in turn middleware: usage limits and feature flags, live takeover, Actions Center
        // escalation, conversation instructions, knowledge base retrieval.
        .target(
            name: "SwiftRepliesMiddleware",
            dependencies: ["SwiftRepliesCore"],
            swiftSettings: swiftSettings
        ),
        // Built-in agent modules: the catalogue-and-knowledge-base sales agent.
        .target(
            name: "SwiftRepliesAgents",
            dependencies: ["SwiftRepliesCore"],
            swiftSettings: swiftSettings
        ),
        // Agent modules that answer over the network: `http` (remote agent server) and `llm`
        // (OpenAI-compatible chat completions).
        .target(
            name: "SwiftRepliesRemoteAgents",
            dependencies: [
                "SwiftRepliesCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // This deployment's own agent modules, scaffolded by the `new-agent` plugin.
        .target(
            name: "SwiftRepliesCustomAgents",
            dependencies: ["SwiftRepliesCore"],
            swiftSettings: swiftSettings
        ),
        // Provider channels: Meta WhatsApp Cloud API, Infobip, Twilio (verify, parse, send).
        .target(
            name: "SwiftRepliesChannels",
            dependencies: [
                "SwiftRepliesCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Runtime: wires configuration, registries, store and pipeline into a conversation engine.
        .target(
            name: "SwiftRepliesRuntime",
            dependencies: [
                "SwiftRepliesCore",
                "SwiftRepliesConfig",
                "SwiftRepliesStores",
                "SwiftRepliesMiddleware",
                "SwiftRepliesAgents",
                "SwiftRepliesRemoteAgents",
                "SwiftRepliesCustomAgents",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        // Server: the Hummingbird application: provider webhooks, the tenant REST API (/api/v1),
        // dispatch, the outbox, the Actions Center sweep, health and metrics.
        .target(
            name: "SwiftRepliesServer",
            dependencies: [
                "SwiftRepliesCore",
                "SwiftRepliesConfig",
                "SwiftRepliesStores",
                "SwiftRepliesRuntime",
                "SwiftRepliesChannels",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The test kit agent authors use: scripted conversations through the real pipeline.
        .target(
            name: "SwiftRepliesTesting",
            dependencies: [
                "SwiftRepliesCore",
                "SwiftRepliesConfig",
                "SwiftRepliesStores",
                "SwiftRepliesRuntime",
            ],
            swiftSettings: swiftSettings
        ),
        // `swiftreplies eval`: scenario files (a customer's turns, what the replies and the store
        // must hold) run through the test kit, with failures and scores per file and language.
        .target(
            name: "SwiftRepliesEval",
            dependencies: [
                "SwiftRepliesCore",
                "SwiftRepliesConfig",
                "SwiftRepliesRuntime",
                "SwiftRepliesTesting",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The command line: serve, validate, chat, eval, migrate, keys, import-legacy.
        .executableTarget(
            name: "swiftreplies",
            dependencies: [
                "SwiftRepliesCore",
                "SwiftRepliesConfig",
                "SwiftRepliesStores",
                "SwiftRepliesRuntime",
                "SwiftRepliesServer",
                "SwiftRepliesEval",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The configuration benchmark (load, reload, routing and memory at N tenants); not part
        // of the product's command line. `swift run -c release swiftreplies-bench-config`.
        .executableTarget(
            name: "swiftreplies-bench-config",
            dependencies: [
                "SwiftRepliesCore",
                "SwiftRepliesConfig",
                "SwiftRepliesRuntime",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // `swift package validate-config`: runs `swiftreplies validate`.
        .plugin(
            name: "ValidateConfigPlugin",
            capability: .command(
                intent: .custom(verb: "validate-config", description: "Validate tenants.yaml and agents/ with swiftreplies validate"),
                permissions: []
            ),
            dependencies: ["swiftreplies"]
        ),
        // `swift package new-agent`: scaffolds an agent module, its YAML and its test.
        .plugin(
            name: "NewAgentPlugin",
            capability: .command(
                intent: .custom(verb: "new-agent", description: "Scaffold an agent module, its YAML and its test"),
                permissions: [.writeToPackageDirectory(reason: "new-agent writes the agent's Swift file, YAML and test into the package")]
            )
        ),
        // Every test: unit, store conformance on SQLite and PostgreSQL, live servers against a
        // local fake provider, and the executable (scripts/test runs them).
        .testTarget(
            name: "SwiftRepliesTests",
            dependencies: [
                "SwiftRepliesCore",
                "SwiftRepliesConfig",
                "SwiftRepliesStores",
                "SwiftRepliesMiddleware",
                "SwiftRepliesAgents",
                "SwiftRepliesChannels",
                "SwiftRepliesRuntime",
                "SwiftRepliesServer",
                "SwiftRepliesTesting",
                "SwiftRepliesEval",
                "SwiftRepliesRemoteAgents",
                "SwiftRepliesCustomAgents",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
    ]
)
