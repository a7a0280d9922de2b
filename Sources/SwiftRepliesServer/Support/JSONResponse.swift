import Foundation
import HTTPTypes
import Hummingbird

/// Small JSON responses without a Codable type per endpoint.
enum JSONResponse {
    static func make(_ status: HTTPResponse.Status, _ object: [String: Any]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(data: data)))
    }

    static func error(_ status: HTTPResponse.Status, _ message: String, code: String? = nil) -> Response {
        var error: [String: Any] = ["message": message, "status": Int(status.code)]
        if let code { error["code"] = code }
        return make(status, ["error": error])
    }
}
