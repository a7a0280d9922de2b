import Crypto

/// Comparisons of secrets that take the same time whatever the inputs hold.
enum ConstantTime {
    /// Whether two byte strings are equal, without an early exit. Both sides are hashed first so
    /// that neither the position of the first difference nor the length leaks.
    static func equals<A: Sequence, B: Sequence>(_ lhs: A, _ rhs: B) -> Bool where A.Element == UInt8, B.Element == UInt8 {
        let left = SHA256.hash(data: Array(lhs))
        let right = SHA256.hash(data: Array(rhs))
        var difference: UInt8 = 0
        for (a, b) in zip(left, right) { difference |= a ^ b }
        return difference == 0
    }

    /// Whether two strings are equal (compared as UTF-8 bytes).
    static func equals(_ lhs: String, _ rhs: String) -> Bool {
        equals(Array(lhs.utf8), Array(rhs.utf8))
    }
}
