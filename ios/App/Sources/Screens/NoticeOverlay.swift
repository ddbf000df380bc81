// A short line at the bottom of a screen ("Code copied", or why something
// failed) that goes away by itself; iOS has no toast.
import SwiftUI

struct NoticeOverlay: ViewModifier {
    @Binding var text: String?
    var seconds: Double = 2.5

    func body(content: Content) -> some View {
        content.overlay(banner, alignment: .bottom)
    }

    @ViewBuilder
    private var banner: some View {
        if let shown = text {
            Text(shown)
                .font(.footnote)
                .foregroundColor(.white)
                .multilineTextAlignment(.center)
                .padding(.horizontal, 16)
                .padding(.vertical, 10)
                .background(RoundedRectangle(cornerRadius: 12).fill(Color.black.opacity(0.8)))
                .padding()
                // A new text is a new view, so its own timer starts.
                .id(shown)
                .onAppear { clear(shown) }
                .onTapGesture { text = nil }
        }
    }

    /// Clears the text unless another notice replaced it meanwhile.
    private func clear(_ shown: String) {
        DispatchQueue.main.asyncAfter(deadline: .now() + seconds) {
            if text == shown { text = nil }
        }
    }
}

extension View {
    func notice(_ text: Binding<String?>) -> some View {
        modifier(NoticeOverlay(text: text))
    }
}
