/// Small JSON objects written straight into bytes, keys sorted and slashes unescaped (stable
/// output, for tests too), without Foundation's `JSONEncoder`: provider request bodies and stored
/// message attributes are written once per message, and the encoder's containers and coding
/// paths cost more than the message.
public enum CompactJSON {
    /// A JSON value such an object is made of.
    public indirect enum Value: Sendable {
        case string(String)
        case bool(Bool)
        case object([String: Value])
        /// An object whose members are written in the order given: no dictionary to build and
        /// no keys to sort (list them sorted where stable output matters).
        case members([Member])
    }

    /// A member of a `Value.members` object.
    public struct Member: Sendable {
        public var key: String
        public var value: Value

        public init(_ key: String, _ value: Value) {
            self.key = key
            self.value = value
        }
    }

    /// The UTF-8 bytes of `object`.
    public static func encode(_ object: [String: Value]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256)
        write(.object(object), into: &bytes)
        return bytes
    }

    /// The UTF-8 bytes of an object whose members are written in the order given.
    public static func encode(members: [Member]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256)
        write(.members(members), into: &bytes)
        return bytes
    }

    /// `object`, a flat object of strings, as text.
    public static func text(_ object: [String: String]) -> String {
        object.isEmpty ? "{}" : String(decoding: encode(object.mapValues { .string($0) }), as: UTF8.self)
    }

    private static func write(_ value: Value, into bytes: inout [UInt8]) {
        switch value {
        case .string(let string):
            writeString(string, into: &bytes)
        case .bool(let flag):
            bytes.append(contentsOf: flag ? "true".utf8 : "false".utf8)
        case .object(let members):
            bytes.append(UInt8(ascii: "{"))
            for (index, key) in members.keys.sorted().enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                writeString(key, into: &bytes)
                bytes.append(UInt8(ascii: ":"))
                if let member = members[key] { write(member, into: &bytes) }
            }
            bytes.append(UInt8(ascii: "}"))
        case .members(let members):
            bytes.append(UInt8(ascii: "{"))
            for (index, member) in members.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                writeString(member.key, into: &bytes)
                bytes.append(UInt8(ascii: ":"))
                write(member.value, into: &bytes)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    /// A string with the escapes JSON requires: quote, backslash and control characters.
    private static func writeString(_ string: String, into bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        // Most strings need no escape: copy them whole.
        if !string.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            bytes.append(contentsOf: string.utf8)
            bytes.append(UInt8(ascii: "\""))
            return
        }
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x00..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
