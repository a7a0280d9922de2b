import Foundation
import HTTPTypes
import Hummingbird
import Logging
import SwiftRepliesCore

/// Who is calling `/api/v1`: the tenant of a valid API key, with that key.
struct APIPrincipal: Sendable {
    var tenant: TenantDefinition
    var key: APIKeyRecord
    /// The stores of the database; every call passes the principal's tenant.
    var stores: StoreSet

    /// How decisions and takeovers record who made them.
    var actor: String { "api_key:\(key.name)" }
}

/// The request context of `/api/v1` routes: the basic context plus the caller, set by
/// `APIKeyAuthenticator` before any handler runs.
struct APIRequestContext: ChildRequestContext {
    typealias ParentContext = BasicRequestContext
    var coreContext: CoreRequestContextStorage
    var principal: APIPrincipal?

    init(context: BasicRequestContext) throws {
        self.coreContext = context.coreContext
        self.principal = nil
    }

    /// The largest `/api/v1` request body: API bodies are small JSON documents.
    static let maximumBodyBytes = 256 * 1024

    var maxUploadSize: Int { Self.maximumBodyBytes }
}

/// An API error answered as JSON: `{"error": {"status", "code", "message", "field"?, "reason"?}}`.
struct APIError: Error, Sendable {
    var status: HTTPResponse.Status
    var code: String
    var message: String
    var field: String?
    var reason: String?
    var headers: HTTPFields = [:]

    static func unauthorized(_ code: String, _ message: String) -> APIError {
        var error = APIError(status: .unauthorized, code: code, message: message)
        error.headers[.wwwAuthenticate] = "Bearer realm=\"swiftreplies\""
        return error
    }

    static func forbidden(_ code: String, _ message: String) -> APIError { APIError(status: .forbidden, code: code, message: message) }

    static func notFound(_ message: String) -> APIError { APIError(status: .notFound, code: "not_found", message: message) }

    static func conflict(_ code: String, _ message: String) -> APIError { APIError(status: .conflict, code: code, message: message) }

    /// 422: `field` is wrong because `reason`.
    static func invalid(_ field: String, _ reason: String) -> APIError {
        APIError(status: .unprocessableContent, code: "validation_failed", message: "\(field) \(reason)", field: field, reason: reason)
    }

    /// A feature the tenant's subscription (or the host) has switched off.
    static func featureDisabled(_ feature: String, tenant: TenantDefinition) -> APIError {
        .forbidden("feature_disabled", "the \(feature) feature is off in tenant '\(tenant.id)''s subscription (plan \(tenant.subscription.plan))")
    }

    /// A subscription limit that refuses the request.
    static func limitReached(_ limit: String, value: Int) -> APIError {
        .forbidden("limit_reached", "the subscription's \(limit) (\(value)) is reached")
    }

    var response: Response {
        var error: [String: Any] = ["status": Int(status.code), "code": code, "message": message]
        if let field { error["field"] = field }
        if let reason { error["reason"] = reason }
        var response = APIJSON.response(status, ["error": error])
        for header in headers { response.headers.append(header) }
        return response
    }
}

/// JSON bodies of the API, built from plain dictionaries (sorted keys, ISO 8601 dates).
enum APIJSON {
    static func response(_ status: HTTPResponse.Status, _ object: [String: Any]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(data: data)))
    }

    static func date(_ date: Date?) -> Any {
        guard let date else { return NSNull() }
        return withFraction.format(date)
    }

    static func optional(_ value: Any?) -> Any { value ?? NSNull() }

    static let withFraction = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
    static let withoutFraction = Date.ISO8601FormatStyle()

    /// Reads an ISO 8601 date and time (`2026-12-01T09:00:00Z`), with or without fractional
    /// seconds.
    static func parseDate(_ text: String) -> Date? {
        (try? withFraction.parse(text)) ?? (try? withoutFraction.parse(text))
    }
}
