// Plugin-meta `fastify` ranges are checked as Fastify checks them, with the semver package's
// rules: Weft's own reading of versions and ranges agrees with semver's on every pair below.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { isAboveRange, satisfies } from '../../dist/app/semver-range.js'

// semver is Fastify's dependency: the reference, never Weft's
const semver = createRequire(import.meta.url)('semver')

const versions = ['5.12.8', '5.0.0', '4.9.9', '6.0.0', '99.0.0-rc.1', '99.0.0-pre.1', '98.5.0-beta', '5.12.8-rc.1',
  '0.0.1', '0.2.3', '1.2.3-alpha.2', '1.2.3-alpha.10', '1.2.3-alpha.a', '1.2.3', '1.2.4-alpha', 'v5.1.0', 'bad',
  '5.12.8+build', '0.0.0-0', '0.0.0', ' 5.1.0 ']
const ranges = ['5.x', '^5.0.0', '>=5', '>5', '<5', '<=5', '<=5.12', '>5.12', '~5.12', '~5', '^0.2', '^0.0.1', '^0.x',
  '1.2.3-alpha.3 - 2', '1.2 - 3.4', '1.2.3 - 1.2.4', '*', '', 'x', '>=4 <6', '4.x || 5.x', '^1.2.3-alpha.1',
  '~1.2.3-alpha.1', '>=1.2.3-alpha.5', '=5.12.8', 'v5.12.8', '>= 5.0.0', '^ 5', '~> 5.12', 'abc', '5.x || abc',
  '<0', '>*', '>=0.0.0', '^99.x', '99.x', '^98.1.0', '98.x', '5.12', '5', '>=5.0.0-0', '1.2.3-alpha.1 || 1.2.3-alpha.11',
  '<6.0.0-0', '1.x.x', '>1.2.3-alpha.1 <1.2.3', '5.12.8+meta', '* || 4.x']

describe('satisfies()', () => {
  for (const includePrerelease of [false, true]) {
    test(`agrees with semver.satisfies on ${versions.length * ranges.length} pairs (includePrerelease: ${includePrerelease})`, () => {
      const differences = []
      for (const version of versions) {
        for (const range of ranges) {
          const expected = semver.satisfies(version, range, { includePrerelease })
          if (satisfies(version, range, includePrerelease) !== expected) differences.push(`${version} in ${JSON.stringify(range)}: semver says ${expected}`)
        }
      }
      assert.deepEqual(differences, [])
    })
  }

  test('a range or version that is not a string matches nothing', () => {
    assert.equal(satisfies('5.0.0', 5), false)
    assert.equal(satisfies(undefined, '5.x'), false)
  })
})

describe('isAboveRange()', () => {
  test("is semver.gt(version, semver.coerce(range)): the range's first version", () => {
    for (const [version, range] of [['99.0.0-rc.1', '^98.1.0'], ['99.0.0-rc.1', '99.x'], ['99.0.0-rc.1', '>=4 <6'], ['5.0.0', 'v5'], ['5.0.1', 5]]) {
      assert.equal(isAboveRange(version, range), semver.gt(version, semver.coerce(range)), `${version} above ${range}`)
    }
  })

  test('throws TypeErrors as semver does for a bad version or a range naming none', () => {
    assert.throws(() => isAboveRange('99.0.0-rc.1', 'latest'), { name: 'TypeError', message: 'Invalid version. Must be a string. Got type "object".' })
    assert.throws(() => isAboveRange('x-rc.1', '5'), { name: 'TypeError', message: 'Invalid Version: x-rc.1' })
  })
})
