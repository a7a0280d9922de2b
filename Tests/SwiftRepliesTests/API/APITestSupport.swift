import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import SwiftRepliesCore
import SwiftRepliesServer
import SwiftRepliesStores
import Testing

/// An answer of the REST API, with its JSON body parsed.
struct APIAnswer: Sendable {
    var status: HTTPResponse.Status
    var headers: HTTPFields
    var text: String

    /// The body as a JSON object (empty when it is not one).
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:] }
    /// `error.code` of an error answer.
    var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
    var errorField: String? { (json["error"] as? [String: Any])?["field"] as? String }
    var errorReason: String? { (json["error"] as? [String: Any])?["reason"] as? String }
    /// An object member of the body (`action`, `contact`, ...).
    func object(_ key: String) -> [String: Any] { json[key] as? [String: Any] ?? [:] }
    /// A list member of the body (`actions`, `contacts`, ...).
    func list(_ key: String) -> [[String: Any]] { json[key] as? [[String: Any]] ?? [] }
}

/// How a test presents its key.
enum KeyHeader: Sendable {
    case bearer, xAPIKey
}

extension ServerHarness {
    /// Calls the REST API with `key` (none: unauthenticated) and an optional JSON body.
    func api(
        _ method: HTTPRequest.Method, _ path: String, key: String?, header: KeyHeader = .bearer, json body: [String: Any]? = nil,
        rawBody: String? = nil
    ) async throws -> APIAnswer {
        var headers: HTTPFields = [:]
        if let key {
            switch header {
            case .bearer: headers[.authorization] = "Bearer \(key)"
            case .xAPIKey: if let name = HTTPField.Name("X-API-Key") { headers[name] = key }
            }
        }
        var buffer: ByteBuffer?
        if let body {
            headers[.contentType] = "application/json"
            buffer = ByteBuffer(data: try JSONSerialization.data(withJSONObject: body))
        } else if let rawBody {
            headers[.contentType] = "application/json"
            buffer = ByteBuffer(string: rawBody)
        }
        let response = try await client.executeRequest(uri: "/api/v1" + path, method: method, headers: headers, body: buffer)
        return APIAnswer(status: response.status, headers: response.headers, text: String(buffer: response.body))
    }

    /// Creates an API key the way `swiftreplies keys create` does (a store on the server's
    /// database) and returns it.
    func makeKey(
        tenant: TenantID, name: String = "test-\(UUID().uuidString.prefix(6))", scopes: [String] = ["all"], expiresAt: Date? = nil,
        rateLimitPerHour: Int? = nil
    ) async throws -> String {
        let key = APIKeyFormat.generate(tenant: tenant)
        _ = try await withOperatorStore { store in
            try await store.apiKeys.createAPIKey(
                NewAPIKey(
                    tenantID: tenant, name: name, hash: APIKeyFormat.hash(key), scopes: scopes, expiresAt: expiresAt, createdAt: Date(),
                    rateLimitPerHour: rateLimitPerHour
                ),
                maximumActive: nil
            )
        }
        return key
    }

    /// Revokes a key by name through the store, as `swiftreplies keys revoke` does.
    func revokeKey(tenant: TenantID, name: String) async throws {
        try await withOperatorStore { store in
            _ = try? await store.apiKeys.revokeAPIKey(tenantID: tenant, name: name, at: Date())
        }
    }

    /// A customer's text to a seed tenant's Meta number, signed like Meta signs it.
    @discardableResult
    func customerSays(_ text: String, from phone: String = "96170000001", to tenant: String = "ecla") async throws -> HTTPResponse.Status {
        let body = try RoutedFixture.meta("inbound_text", to: tenant, id: "wamid.\(UUID().uuidString)", text: text, from: phone)
        return try await postMeta(body).status
    }

    /// The texts the fake provider was asked to send (Meta bodies), in order.
    func sentTexts(to phone: String? = nil) async -> [String] {
        await sent().compactMap { request -> String? in
            guard let json = (try? JSONSerialization.jsonObject(with: Data(request.body))) as? [String: Any] else { return nil }
            if let phone, (json["to"] as? String)?.filter(\.isNumber) != phone { return nil }
            return (json["text"] as? [String: Any])?["body"] as? String
        }
    }

    /// Waits until the fake provider got a text containing `fragment` (to `phone` when given).
    func waitForSent(_ fragment: String, to phone: String? = nil, timeout: Duration = .seconds(10)) async throws {
        try await eventually(timeout: timeout, "a message containing '\(fragment)' at the provider") {
            await sentTexts(to: phone).contains { $0.contains(fragment) }
        }
    }

    /// Waits for the newest action with `status` (and `amount`, when given) and returns it.
    func waitForAction(key: String, status: String = "pending", amount: Double? = nil, timeout: Duration = .seconds(10)) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let actions = try await api(.get, "/actions?status=\(status)", key: key).list("actions")
            if let action = actions.first(where: { amount == nil || $0["requested_amount"] as? Double == amount }) { return action }
            try await Task.sleep(for: .milliseconds(25))
        }
        Issue.record("timed out waiting for a \(status) action")
        throw CancellationError()
    }

    /// The tenant's contact id for `phone` (created by its first message).
    func contactID(tenant: String, phone: String) async throws -> Int64 {
        let rows = try await query("SELECT id FROM contacts WHERE tenant_id = ? AND phone_number = ?", [.text(tenant), .text(phone)])
        return Int64(try #require(rows.first?.column("id")?.integer))
    }
}

/// Edits of the test's copy of the configuration.
enum TestConfig {
    /// Replaces AstroSouks's `subscription:` block (the lines under it, up to its chatbots).
    static func astroSubscription(_ lines: String) -> @Sendable (URL) throws -> Void {
        { directory in
            let url = directory.appendingPathComponent("tenants.yaml")
            var text = try String(contentsOf: url, encoding: .utf8)
            guard let tenant = text.range(of: "  - id: astrosouks\n"), let start = text.range(of: "    subscription:\n", range: tenant.upperBound..<text.endIndex),
                let end = text.range(of: "    chatbots:\n", range: start.upperBound..<text.endIndex)
            else { throw CocoaError(.fileReadCorruptFile) }
            text.replaceSubrange(start.upperBound..<end.lowerBound, with: lines)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
    }
}
