/// HTTP header fields as they arrived, in order, looked up by case-insensitive name.
///
/// Requests and responses carry a handful of fields, and the server reads one or two of them,
/// so a lookup scans the list and compares names byte by byte (ASCII case folded) instead of
/// lower-casing and hashing every name up front.
public struct HeaderFields: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    /// One field, with its name as received.
    public struct Field: Sendable, Hashable {
        public var name: String
        public var value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// The fields in the order they arrived; a name may repeat.
    public private(set) var fields: [Field]

    public init() { fields = [] }

    public init(_ fields: [Field]) { self.fields = fields }

    /// Fields from a dictionary (its order is unspecified, so do not give one name twice in
    /// different cases).
    public init(_ dictionary: [String: String]) {
        fields = dictionary.map { Field(name: $0.key, value: $0.value) }
    }

    public init(dictionaryLiteral elements: (String, String)...) {
        fields = elements.map { Field(name: $0.0, value: $0.1) }
    }

    public mutating func append(name: String, value: String) {
        fields.append(Field(name: name, value: value))
    }

    /// The field's value, by case-insensitive name. A name that repeats gives its values joined
    /// with ", " in arrival order, as HTTP combines list-valued fields.
    public subscript(name: String) -> String? {
        var found: String?
        for field in fields where Self.namesMatch(field.name, name) {
            if let earlier = found { found = earlier + ", " + field.value } else { found = field.value }
        }
        return found
    }

    public var isEmpty: Bool { fields.isEmpty }

    public func makeIterator() -> IndexingIterator<[Field]> { fields.makeIterator() }

    /// Whether two field names are equal ignoring ASCII case (field names are ASCII tokens).
    static func namesMatch(_ lhs: String, _ rhs: String) -> Bool {
        var left = lhs.utf8.makeIterator()
        var right = rhs.utf8.makeIterator()
        while true {
            switch (left.next(), right.next()) {
            case (nil, nil):
                return true
            case (let a?, let b?):
                if a != b, Self.lowered(a) != Self.lowered(b) { return false }
            default:
                return false
            }
        }
    }

    private static func lowered(_ byte: UInt8) -> UInt8 {
        (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")) ? byte + 32 : byte
    }
}
