import Foundation
import HTTPTypes
import Hummingbird
import Logging
import SwiftRepliesCore
import SwiftRepliesRuntime

/// Authenticates every `/api/v1` request by its tenant API key (`Authorization: Bearer <key>`
/// or `X-API-Key: <key>`) and sets the caller on the context: 401 for a missing, unknown,
/// revoked or expired key; 403 when the key's tenant is not served or its subscription has
/// `api_access` off; 429 with `Retry-After` past the key's hourly rate limit. Each accepted call
/// is counted (the key's last use and the tenant's API calls of the day).
struct APIKeyAuthenticator: RouterMiddleware {
    typealias Context = APIRequestContext

    let stores: StoreSet
    let state: RuntimeStateHolder
    let rateLimiter: APIRateLimiter
    let logger: Logger

    func handle(_ request: Request, context: APIRequestContext, next: (Request, APIRequestContext) async throws -> Response) async throws -> Response {
        do {
            var context = context
            let (principal, decision) = try await authenticate(request)
            context.principal = principal
            var response = try await next(request, context)
            if case .allowed(let limit, let remaining, let resetIn) = decision {
                for (name, value) in [("X-RateLimit-Limit", limit), ("X-RateLimit-Remaining", remaining), ("X-RateLimit-Reset", resetIn)] {
                    if let field = HTTPField.Name(name) { response.headers[field] = "\(value)" }
                }
            }
            return response
        } catch let error as APIError {
            return error.response
        }
    }

    private func authenticate(_ request: Request) async throws -> (APIPrincipal, APIRateLimiter.Decision) {
        guard let presented = Self.presentedKey(request) else {
            throw APIError.unauthorized("missing_api_key", "send your API key as `Authorization: Bearer <key>` or `X-API-Key: <key>`")
        }
        guard let tenantID = APIKeyFormat.tenant(of: presented) else {
            throw APIError.unauthorized("unknown_api_key", "the API key is not valid")
        }
        let hash = APIKeyFormat.hash(presented)
        // Every key of the tenant is compared (in constant time), so timing says nothing about
        // which hash was close.
        var found: APIKeyRecord?
        for key in try await stores.apiKeys.apiKeys(tenantID: tenantID) where APIKeyFormat.constantTimeEqual(key.hash, hash) {
            found = key
        }
        guard let key = found else { throw APIError.unauthorized("unknown_api_key", "the API key is not valid") }
        let now = Date()
        switch key.status(at: now) {
        case .revoked: throw APIError.unauthorized("revoked_api_key", "the API key '\(key.name)' was revoked")
        case .expired: throw APIError.unauthorized("expired_api_key", "the API key '\(key.name)' has expired")
        case .active: break
        }
        let snapshot = state.current.snapshot
        guard let tenant = snapshot.tenant(tenantID) else {
            let reason = snapshot.switches.multiTenant ? "is not in tenants.yaml" : "is not served: ENABLE_MULTI_TENANT is off and only the first tenant is"
            throw APIError.forbidden("tenant_not_served", "tenant '\(tenantID)' \(reason)")
        }
        guard tenant.subscription.features.isEnabled("api_access") else { throw APIError.featureDisabled("api_access", tenant: tenant) }
        let decision = rateLimiter.admit(key: key.id, perHour: key.rateLimitPerHour, now: now)
        if case .limited(let limit, let retryAfter) = decision {
            var error = APIError(
                status: .tooManyRequests, code: "rate_limited",
                message: "the API key '\(key.name)' made its \(limit) requests of this hour; retry in \(retryAfter) seconds"
            )
            error.headers[.retryAfter] = "\(retryAfter)"
            throw error
        }
        try await stores.apiKeys.recordAPICall(tenantID: tenantID, keyID: key.id, at: now)
        return (APIPrincipal(tenant: tenant, key: key, stores: stores), decision)
    }

    /// The key from `Authorization: Bearer` or `X-API-Key`.
    static func presentedKey(_ request: Request) -> String? {
        if let authorization = request.headers[.authorization] {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                let key = parts[1].trimmingCharacters(in: .whitespaces)
                if !key.isEmpty { return key }
            }
        }
        if let name = HTTPField.Name("X-API-Key"), let key = request.headers[name]?.trimmingCharacters(in: .whitespaces), !key.isEmpty { return key }
        return nil
    }
}
