// The time a code has left, as a shrinking ring (red in its last seconds).
import SwiftUI

/// The arc from twelve o'clock, clockwise, over `fraction` of the circle.
struct CountdownArc: Shape {
    var fraction: Double

    var animatableData: Double {
        get { fraction }
        set { fraction = newValue }
    }

    func path(in rect: CGRect) -> Path {
        var path = Path()
        let start = Angle.degrees(-90)
        path.addArc(
            center: CGPoint(x: rect.midX, y: rect.midY),
            radius: min(rect.width, rect.height) / 2,
            startAngle: start,
            endAngle: start + .degrees(360 * fraction),
            clockwise: false
        )
        return path
    }
}

struct CountdownRing: View {
    let progress: Double
    let isExpiring: Bool

    var body: some View {
        ZStack {
            Circle().stroke(Color(.systemGray5), lineWidth: 3)
            CountdownArc(fraction: progress)
                .stroke(isExpiring ? Color.red : Color.accentColor,
                        style: StrokeStyle(lineWidth: 3, lineCap: .round))
        }
        .padding(1.5)
        .accessibility(hidden: true)
    }
}
