import Foundation
import HTTPTypes
import SwiftRepliesCore
import SwiftRepliesServer
import Testing

/// `/api/v1` authentication over real HTTP: every refusal is a JSON error with the right status.
@Suite struct APIAuthenticationTests {
    @Test func missingUnknownRevokedAndExpiredKeysAre401() async throws {
        try await ServerHarness.with { harness in
            let missing = try await harness.api(.get, "/contacts", key: nil)
            #expect(missing.status == .unauthorized)
            #expect(missing.errorCode == "missing_api_key")
            #expect(missing.headers[.wwwAuthenticate] != nil)
            #expect(missing.headers[.contentType] == "application/json")

            let malformed = try await harness.api(.get, "/contacts", key: "not-a-key")
            #expect(malformed.status == .unauthorized)
            #expect(malformed.errorCode == "unknown_api_key")
            // Well formed, right tenant, never issued.
            let unknown = try await harness.api(.get, "/contacts", key: APIKeyFormat.generate(tenant: "swiftreplies"))
            #expect(unknown.status == .unauthorized)
            #expect(unknown.errorCode == "unknown_api_key")

            let key = try await harness.makeKey(tenant: "swiftreplies", name: "ops")
            #expect(try await harness.api(.get, "/contacts", key: key).status == .ok)
            #expect(try await harness.api(.get, "/contacts", key: key, header: .xAPIKey).status == .ok, "seed 003 clients send X-API-Key")
            // A key names its tenant: presenting it as another tenant's does not work.
            let forged = key.replacingOccurrences(of: "srk_swiftreplies_", with: "srk_astrosouks_")
            #expect(try await harness.api(.get, "/contacts", key: forged).errorCode == "unknown_api_key")

            try await harness.revokeKey(tenant: "swiftreplies", name: "ops")
            let revoked = try await harness.api(.get, "/contacts", key: key)
            #expect(revoked.status == .unauthorized)
            #expect(revoked.errorCode == "revoked_api_key")

            let old = try await harness.makeKey(tenant: "swiftreplies", name: "old", expiresAt: Date().addingTimeInterval(-60))
            let expired = try await harness.api(.get, "/contacts", key: old)
            #expect(expired.status == .unauthorized)
            #expect(expired.errorCode == "expired_api_key")
        }
    }

    @Test func missingScopeIs403AndNamesTheScope() async throws {
        try await ServerHarness.with { harness in
            let reader = try await harness.makeKey(tenant: "swiftreplies", scopes: ["contacts:read", "actions:read"])
            #expect(try await harness.api(.get, "/contacts", key: reader).status == .ok)
            #expect(try await harness.api(.get, "/actions", key: reader).status == .ok)
            let denied = try await harness.api(.get, "/usage", key: reader)
            #expect(denied.status == .forbidden)
            #expect(denied.errorCode == "missing_scope")
            #expect(denied.errorReason == "usage:read")
            let write = try await harness.api(.post, "/actions/1/approve", key: reader)
            #expect(write.status == .forbidden)
            #expect(write.errorReason == "actions:write")
            // `read` grants every area's read access, and nothing else.
            let readAll = try await harness.makeKey(tenant: "swiftreplies", scopes: ["read"])
            #expect(try await harness.api(.get, "/usage", key: readAll).status == .ok)
            #expect(try await harness.api(.patch, "/contacts/1", key: readAll, json: ["name": "x"]).errorCode == "missing_scope")
        }
    }

    @Test func rateLimitAnswers429WithRetryAfter() async throws {
        try await ServerHarness.with(environment: ["API_RATE_LIMIT_PER_HOUR": "3"]) { harness in
            let key = try await harness.makeKey(tenant: "swiftreplies")
            for expected in ["2", "1", "0"] {
                let answer = try await harness.api(.get, "/usage", key: key)
                #expect(answer.status == .ok)
                #expect(answer.headers[HTTPField.Name("X-RateLimit-Remaining")!] == expected)
            }
            let limited = try await harness.api(.get, "/usage", key: key)
            #expect(limited.status == .tooManyRequests)
            #expect(limited.errorCode == "rate_limited")
            let retryAfter = try #require(limited.headers[.retryAfter].flatMap { Int($0) })
            #expect(retryAfter > 3500 && retryAfter <= 3600)
            // The limit is per key: another key of the same tenant is not limited; a key's own
            // limit wins over the host's.
            let other = try await harness.makeKey(tenant: "swiftreplies", rateLimitPerHour: 1)
            #expect(try await harness.api(.get, "/usage", key: other).status == .ok)
            #expect(try await harness.api(.get, "/usage", key: other).status == .tooManyRequests)
        }
    }

    @Test func apiAccessOffInTheSubscriptionIs403() async throws {
        try await ServerHarness.with(prepare: TestConfig.astroSubscription("      plan: starter\n      features: { api_access: false }\n")) { harness in
            let key = try await harness.makeKey(tenant: "astrosouks")
            let refused = try await harness.api(.get, "/contacts", key: key)
            #expect(refused.status == .forbidden)
            #expect(refused.errorCode == "feature_disabled")
            #expect((refused.json["error"] as? [String: Any])?["message"] as? String == "the api_access feature is off in tenant 'astrosouks''s subscription (plan starter)")
        }
    }

    @Test func singleTenantHostRefusesOtherTenantsKeys() async throws {
        try await ServerHarness.with(environment: ["ENABLE_MULTI_TENANT": "false"]) { harness in
            let first = try await harness.makeKey(tenant: "swiftreplies")
            #expect(try await harness.api(.get, "/contacts", key: first).status == .ok)
            // The database knew AstroSouks from an earlier multi-tenant run.
            _ = try await harness.query(
                "INSERT INTO tenants (id, name, plan, is_active, created_at, updated_at) VALUES ('astrosouks', 'AstroSouks', 'starter', FALSE, ?, ?)",
                [.timestamp(Date(timeIntervalSince1970: 0)), .timestamp(Date(timeIntervalSince1970: 0))]
            )
            let second = try await harness.makeKey(tenant: "astrosouks")
            let refused = try await harness.api(.get, "/contacts", key: second)
            #expect(refused.status == .forbidden)
            #expect(refused.errorCode == "tenant_not_served")
        }
    }
}
