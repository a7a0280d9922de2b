import Foundation

/// A tenant API key to store: only the SHA-256 hash of the secret key is kept.
public struct NewAPIKey: Sendable, Hashable {
    public var tenantID: TenantID
    public var name: String
    /// Lower-case hex SHA-256 of the whole key.
    public var hash: String
    public var scopes: [String]
    public var expiresAt: Date?
    public var createdAt: Date
    /// Requests per hour this key may make; `nil` uses the host's default.
    public var rateLimitPerHour: Int?

    public init(tenantID: TenantID, name: String, hash: String, scopes: [String], expiresAt: Date?, createdAt: Date, rateLimitPerHour: Int? = nil) {
        self.tenantID = tenantID
        self.name = name
        self.hash = hash
        self.scopes = scopes
        self.expiresAt = expiresAt
        self.createdAt = createdAt
        self.rateLimitPerHour = rateLimitPerHour
    }
}

/// A stored API key (never the key itself).
public struct APIKeyRecord: Sendable, Hashable {
    /// Whether a key can be used.
    public enum Status: String, Sendable, Hashable {
        case active, revoked, expired
    }

    public var id: Int64
    public var tenantID: TenantID
    public var name: String
    /// Lower-case hex SHA-256 of the key.
    public var hash: String
    public var scopes: [String]
    public var createdAt: Date
    public var expiresAt: Date?
    public var lastUsed: Date?
    public var isActive: Bool
    public var revokedAt: Date?
    /// Requests per hour this key may make; `nil` uses the host's default.
    public var rateLimitPerHour: Int?

    public init(
        id: Int64, tenantID: TenantID, name: String, hash: String, scopes: [String], createdAt: Date, expiresAt: Date?, lastUsed: Date?,
        isActive: Bool, revokedAt: Date?, rateLimitPerHour: Int? = nil
    ) {
        self.rateLimitPerHour = rateLimitPerHour
        self.id = id
        self.tenantID = tenantID
        self.name = name
        self.hash = hash
        self.scopes = scopes
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.lastUsed = lastUsed
        self.isActive = isActive
        self.revokedAt = revokedAt
    }

    /// The key's status at `date`: revoked wins over expired.
    public func status(at date: Date) -> Status {
        if !isActive { return .revoked }
        if let expiresAt, expiresAt <= date { return .expired }
        return .active
    }
}
