// slerp / lerp math: exact endpoints, norms, midpoints, and the near-parallel fallback.

import GanLatent
import Testing

@Suite struct InterpolationMath {
    @Test(arguments: InterpolationMode.allCases)
    func endpointsAreExact(mode: InterpolationMode) {
        let a = latentVector(seed: 1, dimension: 100, distribution: .normal)
        let b = latentVector(seed: 7, dimension: 100, distribution: .normal)
        #expect(interpolate(a, b, t: 0, mode: mode) == a)
        #expect(interpolate(a, b, t: 1, mode: mode) == b)
    }

    @Test func linearMidpointIsTheAverage() {
        #expect(interpolate([0, 2, -4], [2, 2, 4], t: 0.5, mode: .linear) == [1, 2, 0])
    }

    @Test func slerpFollowsTheGreatCircle() {
        // Orthogonal unit vectors: slerp at t is (cos(tπ/2), sin(tπ/2)), always of norm 1.
        for t in [0.1, 0.25, 0.5, 0.9] {
            let p = interpolate([1, 0], [0, 1], t: t, mode: .slerp)
            #expect(abs(Double(p[0]) - cos(t * .pi / 2)) < 1e-6 && abs(Double(p[1]) - sin(t * .pi / 2)) < 1e-6)
        }
    }

    @Test func slerpKeepsTheNormOfGaussianLatentsWhereLerpShrinksIt() {
        let a = latentVector(seed: 3, dimension: 512, distribution: .normal)
        let b = latentVector(seed: 4, dimension: 512, distribution: .normal)
        func norm(_ v: [Float]) -> Double { v.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot() }
        let ends = (norm(a) + norm(b)) / 2
        #expect(abs(norm(interpolate(a, b, t: 0.5, mode: .slerp)) - ends) / ends < 0.02)
        #expect(norm(interpolate(a, b, t: 0.5, mode: .linear)) < 0.8 * ends)
    }

    @Test func parallelVectorsFallBackToLinear() {
        #expect(interpolate([1, 1], [2, 2], t: 0.5, mode: .slerp) == [1.5, 1.5])
    }

    @Test func stepsIncludeBothEnds() {
        #expect(interpolationSteps(5) == [0, 0.25, 0.5, 0.75, 1])
        #expect(interpolationSteps(2) == [0, 1])
    }
}

import Foundation
