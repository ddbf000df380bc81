// The Files picker for an export file. iOS 13's initialiser
// (init(documentTypes:in:)); forOpeningContentTypes is iOS 14. `.import`
// copies the file into this app's sandbox, so no security scope is held.
import SwiftUI
import UIKit

struct DocumentPicker: UIViewControllerRepresentable {
    let onPicked: (URL) -> Void

    func makeCoordinator() -> Coordinator {
        Coordinator(onPicked: onPicked)
    }

    func makeUIViewController(context: Context) -> UIDocumentPickerViewController {
        // Exports come as JSON, text, CSV, zip, SQLite or with no known type at all.
        let picker = UIDocumentPickerViewController(documentTypes: ["public.data", "public.content"], in: .import)
        picker.allowsMultipleSelection = false
        picker.delegate = context.coordinator
        return picker
    }

    func updateUIViewController(_ picker: UIDocumentPickerViewController, context: Context) {}

    final class Coordinator: NSObject, UIDocumentPickerDelegate {
        private let onPicked: (URL) -> Void

        init(onPicked: @escaping (URL) -> Void) {
            self.onPicked = onPicked
        }

        func documentPicker(_ controller: UIDocumentPickerViewController, didPickDocumentsAt urls: [URL]) {
            if let url = urls.first { onPicked(url) }
        }
    }
}

/// Reads a picked file off the main thread, refusing one too large to be an
/// export before it is read into memory.
enum ExportFileReader {
    static func read(_ url: URL, limit: Int, completion: @escaping (Result<Data, Error>) -> Void) {
        DispatchQueue.global(qos: .userInitiated).async {
            let result = Result<Data, Error> {
                let scoped = url.startAccessingSecurityScopedResource()
                defer { if scoped { url.stopAccessingSecurityScopedResource() } }
                let size = try url.resourceValues(forKeys: [.fileSizeKey]).fileSize ?? 0
                guard size <= limit else { throw FileTooLarge() }
                return try Data(contentsOf: url)
            }
            DispatchQueue.main.async { completion(result) }
        }
    }

    struct FileTooLarge: LocalizedError {
        var errorDescription: String? { "it is too large to be an authenticator export" }
    }
}
