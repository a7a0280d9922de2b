import Crypto
import Foundation
import Hummingbird
import SwiftRepliesRuntime

/// `POST /admin/reload`: reloads the configuration on demand and answers with the outcome.
/// Authenticated by `Authorization: Bearer <ADMIN_TOKEN>` (compared in constant time); without
/// `ADMIN_TOKEN` in the environment the admin API is off.
struct AdminController: Sendable {
    let reloader: ConfigReloader
    let adminToken: String?

    func register(on router: Router<BasicRequestContext>) {
        router.post("/admin/reload") { request, _ in await reload(request) }
    }

    private func reload(_ request: Request) async -> Response {
        guard let adminToken, !adminToken.isEmpty else {
            return JSONResponse.error(.forbidden, "the admin API is off: set ADMIN_TOKEN to enable it")
        }
        let header = request.headers[.authorization] ?? ""
        let presented = header.hasPrefix("Bearer ") ? String(header.dropFirst("Bearer ".count)) : ""
        guard Self.constantTimeEqual(presented, adminToken) else {
            return JSONResponse.error(.unauthorized, "missing or wrong admin token")
        }
        switch await reloader.reload(trigger: "api") {
        case .applied(let revision):
            return JSONResponse.make(.ok, ["status": "applied", "revision": revision])
        case .unchanged(let revision):
            return JSONResponse.make(.ok, ["status": "unchanged", "revision": revision])
        case .failed(let errors):
            let revision = await reloader.status.revision
            return JSONResponse.make(.unprocessableContent, ["status": "failed", "revision": revision, "errors": errors])
        }
    }

    /// Compares two secrets without leaking where they differ (HMAC both, compare digests).
    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let key = SymmetricKey(size: .bits256)
        let left = HMAC<SHA256>.authenticationCode(for: Data(a.utf8), using: key)
        return HMAC<SHA256>.isValidAuthenticationCode(left, authenticating: Data(b.utf8), using: key)
    }
}
