import ArgumentParser
import Foundation
import Logging
import SwiftRepliesConfig
import SwiftRepliesCore
import SwiftRepliesRuntime
import SwiftRepliesServer

/// `swiftreplies keys create|list|revoke`: tenant API keys for `/api/v1`.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Create, list or revoke a tenant's API keys.",
        subcommands: [Create.self, List.self, Revoke.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an API key. The key is printed once, alone on the last line; only its SHA-256 hash is stored."
        )
        @OptionGroup var global: GlobalOptions

        @Option(help: "The tenant id (from tenants.yaml).")
        var tenant: String

        @Option(help: "A name for the key, unique among the tenant's active keys.")
        var name: String

        @Option(
            parsing: .upToNextOption,
            help: "What the key may do (default read,write): all, read, write, or <area>:read|write with area contacts, conversations, instructions, knowledge, actions, takeover, usage, webhooks, events."
        )
        var scopes: [String] = []

        @Option(help: "When the key expires: a duration (90d, 12h, 30m, 2w) or a date (2026-12-31 or 2026-12-31T18:00:00Z). Default: never.")
        var expires: String?

        @Option(name: .customLong("rate-limit"), help: "Requests per hour for this key (default: API_RATE_LIMIT_PER_HOUR, else 1000).")
        var rateLimit: Int?

        func run() async throws {
            LoggingSetup.bootstrap(defaultLevel: .warning)
            let now = Date()
            let scopes: [String]
            do {
                scopes = self.scopes.isEmpty ? APIScopes.defaults : try APIScopes.parse(self.scopes)
            } catch {
                StandardError.print("--scopes: \(error)")
                throw ExitCode(1)
            }
            if scopes.isEmpty {
                StandardError.print("--scopes: give at least one scope")
                throw ExitCode(1)
            }
            var expiresAt: Date?
            if let expires {
                guard let date = KeyExpiry.parse(expires, now: now) else {
                    StandardError.print("--expires: '\(expires)' is neither a duration (90d, 12h, 30m, 2w) nor a date (2026-12-31, 2026-12-31T18:00:00Z)")
                    throw ExitCode(1)
                }
                guard date > now else {
                    StandardError.print("--expires: \(KeyExpiry.format(date)) is in the past")
                    throw ExitCode(1)
                }
                expiresAt = date
            }
            if let rateLimit, rateLimit < 1 {
                StandardError.print("--rate-limit: must be at least 1")
                throw ExitCode(1)
            }
            let trimmedName = name.trimmingCharacters(in: .whitespaces)
            guard !trimmedName.isEmpty, trimmedName.count <= 100, !trimmedName.contains("@") else {
                StandardError.print("--name: give 1 to 100 characters, without '@'")
                throw ExitCode(1)
            }
            let (definition, stores) = try await KeyStore.open(global, tenant: tenant)
            if !definition.subscription.features.isEnabled("api_access") {
                StandardError.print("warning: tenant '\(definition.id)' has api_access off in its subscription: the API will refuse this key until it is on")
            }
            let key = APIKeyFormat.generate(tenant: definition.id)
            do {
                let record = try await stores.apiKeys.createAPIKey(
                    NewAPIKey(
                        tenantID: definition.id, name: trimmedName, hash: APIKeyFormat.hash(key), scopes: scopes, expiresAt: expiresAt, createdAt: now,
                        rateLimitPerHour: rateLimit
                    ),
                    maximumActive: definition.subscription.limits.maxAPIKeys
                )
                try await stores.lifecycle.shutdown()
                let limit = rateLimit.map { "\($0) requests per hour" } ?? "the host's default"
                print(
                    "Created API key '\(record.name)' for tenant '\(definition.id)' (scopes: \(record.scopes.joined(separator: ", ")); expires: \(expiresAt.map(KeyExpiry.format) ?? "never"); rate limit: \(limit))."
                )
                print("Keep it secret: it is shown only now, and only its SHA-256 hash is stored.")
                print(key)
            } catch let error as OperatorStoreError {
                try? await stores.lifecycle.shutdown()
                switch error {
                case .duplicate:
                    StandardError.print("tenant '\(definition.id)' already has an active key named '\(trimmedName)' (revoke it first, or pick another --name)")
                case .limitReached(_, let value):
                    StandardError.print(
                        "tenant '\(definition.id)' already has \(value) active key\(value == 1 ? "" : "s"), its subscription's max_api_keys (revoke one, or raise the limit in tenants.yaml)"
                    )
                }
                throw ExitCode(1)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a tenant's API keys (never the keys themselves).")
        @OptionGroup var global: GlobalOptions

        @Option(help: "The tenant id (from tenants.yaml).")
        var tenant: String

        func run() async throws {
            LoggingSetup.bootstrap(defaultLevel: .warning)
            let (definition, stores) = try await KeyStore.open(global, tenant: tenant)
            let keys = try await stores.apiKeys.apiKeys(tenantID: definition.id)
            try await stores.lifecycle.shutdown()
            if keys.isEmpty {
                print("tenant '\(definition.id)' has no API keys (create one with `swiftreplies keys create --tenant \(definition.id) --name <name>`)")
                return
            }
            let now = Date()
            let rows = [["NAME", "STATUS", "SCOPES", "CREATED", "EXPIRES", "LAST USED"]]
                + keys.map { key in
                    [
                        key.name, key.status(at: now).rawValue, key.scopes.joined(separator: ","), KeyExpiry.format(key.createdAt),
                        key.expiresAt.map(KeyExpiry.format) ?? "never", key.lastUsed.map(KeyExpiry.format) ?? "never",
                    ]
                }
            let widths = (0..<rows[0].count).map { column in rows.map { $0[column].count }.max() ?? 0 }
            for row in rows {
                print(row.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ").trimmingCharacters(in: .whitespaces))
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a tenant's API key by name; it stops working at once.")
        @OptionGroup var global: GlobalOptions

        @Option(help: "The tenant id (from tenants.yaml).")
        var tenant: String

        @Option(help: "The key's name.")
        var name: String

        func run() async throws {
            LoggingSetup.bootstrap(defaultLevel: .warning)
            let (definition, stores) = try await KeyStore.open(global, tenant: tenant)
            let revoked = try await stores.apiKeys.revokeAPIKey(tenantID: definition.id, name: name, at: Date())
            try await stores.lifecycle.shutdown()
            guard revoked != nil else {
                StandardError.print("tenant '\(definition.id)' has no active API key named '\(name)' (see `swiftreplies keys list --tenant \(definition.id)`)")
                throw ExitCode(1)
            }
            print("Revoked API key '\(name)' of tenant '\(definition.id)'.")
        }
    }
}

/// The configuration's tenant and the migrated store the `keys` commands work on.
enum KeyStore {
    static func open(_ global: GlobalOptions, tenant: String) async throws -> (TenantDefinition, StoreSet) {
        let snapshot = try global.loadSnapshot(registries: .builtIn(), printWarnings: false)
        guard let definition = snapshot.tenant(TenantID(tenant)) else {
            let known = snapshot.tenants.map(\.id.rawValue).joined(separator: ", ")
            StandardError.print("unknown tenant '\(tenant)' (configured: \(known))")
            throw ExitCode(1)
        }
        let stores = try await StoreOpener.open(global.databaseLocation, environment: global.environment, logger: Logger(label: "swiftreplies.keys"))
        do {
            try await stores.lifecycle.migrateUp()
            try await stores.directory.syncDirectory(snapshot.tenants)
        } catch {
            try? await stores.lifecycle.shutdown()
            throw error
        }
        return (definition, stores)
    }
}

/// `--expires` values: `90d`, `12h`, `30m`, `2w`, `2026-12-31` (midnight UTC) or a full ISO 8601
/// date and time.
enum KeyExpiry {
    static func parse(_ text: String, now: Date) -> Date? {
        let value = text.trimmingCharacters(in: .whitespaces).lowercased()
        if let unit = value.last, let amount = Double(value.dropLast()), amount > 0 {
            switch unit {
            case "m": return now.addingTimeInterval(amount * 60)
            case "h": return now.addingTimeInterval(amount * 3600)
            case "d": return now.addingTimeInterval(amount * 86_400)
            case "w": return now.addingTimeInterval(amount * 7 * 86_400)
            default: break
            }
        }
        if let date = try? Date.ISO8601FormatStyle().parse(text) { return date }
        if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text) { return date }
        if let date = try? Date.ISO8601FormatStyle().year().month().day().parse(text) { return date }
        return nil
    }

    static func format(_ date: Date) -> String {
        Date.ISO8601FormatStyle().format(date)
    }
}
