// Copies a code so it stays on this device (no Universal Clipboard to a Mac
// nearby) and is gone from the pasteboard after a minute.
import Foundation
import UIKit

enum SensitivePasteboard {
    /// UTType.utf8PlainText.identifier, spelled out: UniformTypeIdentifiers is iOS 14.
    private static let plainText = "public.utf8-plain-text"

    static func copy(_ text: String, expiresIn seconds: TimeInterval = 60) {
        UIPasteboard.general.setItems(
            [[plainText: text]],
            options: [.localOnly: true, .expirationDate: Date().addingTimeInterval(seconds)]
        )
    }
}
