// Directory, wrap and symlink imports: whole `ipfs add` listings from kubo's sharness tests.
//  [t0040] ipfs/kubo test/sharness/t0040-add-and-cat.sh (planets, moons, test_current_dir)
//  [t0044] ipfs/kubo test/sharness/t0044-add-symlink.sh
//  [t0031] ipfs-cluster sharness/t0031-ctl-add.sh: `add -w dir/abc.txt` == `add -r dir`, so a
//          wrapped set of entries must give the CID kubo printed for the equivalent folder.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { AddEntry } from '../../src/adder/types.js'
import { deterministicNames, dir, file, importAll, lines, symlink } from './helpers.js'

const planets = (): AddEntry[] => [dir('planets'), file('planets/mars.txt', 'Hello Mars!\n'), file('planets/venus.txt', 'Hello Venus!\n')]

describe('importer: directories', () => {
  it('add -r planets, with kubo defaults [t0040]', async () => {
    assert.deepEqual(lines(await importAll(planets())), [
      'added QmPrrHqJzto9m7SyiRzarwkqPcCSsKR2EB1AyqJfe8L8tN planets/mars.txt',
      'added QmU5kp3BH3B8tnWUU2Pikdb2maksBNkb92FHRr56hyghh4 planets/venus.txt',
      'added QmWSgS32xQEcXMeqd3YPJLrNBLSdsfYCep2U7CFkyrjXwY planets'
    ])
  })

  it('add -r planets --raw-leaves / --cid-version=1 / --cid-version=1 --raw-leaves=false / --hash=blake2b-256 [t0040]', async () => {
    const variants: Array<[Record<string, unknown>, string[]]> = [
      [{ raw_leaves: true, raw_leaves_set: true }, ['bafkreibmlvvgdyihetgocpof6xk64kjjzdeq2e4c7hqs3krdheosk4tgj4', 'bafkreihfsphazrk2ilejpekyltjeh5k4yvwgjuwg26ueafohqioeo3sdca', 'QmfWfQfKCY5Ukv9peBbxM5vqWM9BzmqUSXvdCgjT2wsiBT']],
      [{ cid_version: 1, raw_leaves: true }, ['bafkreibmlvvgdyihetgocpof6xk64kjjzdeq2e4c7hqs3krdheosk4tgj4', 'bafkreihfsphazrk2ilejpekyltjeh5k4yvwgjuwg26ueafohqioeo3sdca', 'bafybeih7e5dmkyk25up5vxug4q3hrg2fxbzf23dfrac2fns5h7z4aa7ioi']],
      [{ cid_version: 1, raw_leaves: false, raw_leaves_set: true }, ['bafybeiawta2ntdmsy24aro35w3homzl4ak7svr3si7l7gesvq4erglyye4', 'bafybeicvkvhs2fr75ynebtdjqpgm4g2fc63abqbmysupwpmcjl4gx7mzrm', 'bafybeif5tuep5ap2d7zyhbktucey75aoacxufgt6i3v4gebmixyipnyp7y']],
      [{ hash: 'blake2b-256', cid_version: 1, raw_leaves: true }, ['bafk2bzaceaqcxw46uzkyd2jmczoogof6pnkqt4dpiv3pwkunsv4g5rkkmecie', 'bafk2bzacebxnke2fb5mgzxyjuuavvcfht4fd3gvn4klkujz6k72wboynhuvfw', 'bafykbzaceaptbcs7ik5mdfpot3b4ackvxlwh7loc5jcrtkayf64ukl7zyk46e']]
    ]
    for (const [opts, [mars, venus, root]] of variants) {
      assert.deepEqual(lines(await importAll(planets(), opts)), [
        `added ${mars} planets/mars.txt`, `added ${venus} planets/venus.txt`, `added ${root} planets`
      ], JSON.stringify(opts))
    }
  })

  it('add -r moons: files first, then directories post-order, sorted [t0040]', async () => {
    const moons = [
      dir('moons'), dir('moons/jupiter'), file('moons/jupiter/europa.txt', 'Hello Europa!\n'),
      file('moons/mercury.txt', 'hey youre no moon!\n'), dir('moons/saturn'), file('moons/saturn/titan.txt', 'Hello Titan!\n')
    ]
    assert.deepEqual(lines(await importAll(moons)), [
      'added Qmbjg7zWdqdMaK2BucPncJQDxiALExph5k3NkQv5RHpccu moons/jupiter/europa.txt',
      'added QmUJjVtnN8YEeYcS8VmUeWffTWhnMQAkk5DzZdKnPhqUdK moons/mercury.txt',
      'added QmZzppb9WHn552rmRqpPfgU5FEiHH6gDwi3MrB9cTdPwdb moons/saturn/titan.txt',
      'added QmS5mZddhFPLWFX3w6FzAy9QxyYkaxvUpsWCtZ3r7jub9J moons/jupiter',
      'added QmaMagZT4rTE7Nonw8KGSK4oe1bh533yhZrCo1HihSG8FK moons/saturn',
      'added QmVKvomp91nMih5j6hYBA8KjbiaYvEetU2Q7KvtZkLe9nQ moons'
    ])
  })

  it('add -r test_current_dir: the root line closes the listing [t0040]', async () => {
    const out = await importAll([dir('d'), dir('d/hello'), file('d/hello/world', 'World\n'), file('d/hey', 'Hey\n')])
    assert.equal(out[0].cid, 'Qma9CyFdG5ffrZCcYSin2uAETygB25cswVwEYYzwfQuhTe')
    assert.deepEqual(lines(out.slice(-1)), ['added QmZQWnfcqJ6hNkkPvrY9Q5X39GP3jUnUbAV4AbmbbR3Cb1 d'])
  })

  it('creates parents that were not announced (implicit directories)', async () => {
    const out = await importAll([file('planets/mars.txt', 'Hello Mars!\n'), file('planets/venus.txt', 'Hello Venus!\n')])
    assert.equal(out[out.length - 1].cid, 'QmWSgS32xQEcXMeqd3YPJLrNBLSdsfYCep2U7CFkyrjXwY')
  })

  it('empty directories [ipfs-cluster test/sharding.go ShardingDirCids: the empty dir]', async () => {
    const out = await importAll([dir('e')])
    assert.deepEqual(lines(out), ['added QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn e'])
  })

  it('rejects a file that takes a name twice', async () => {
    await assert.rejects(importAll([dir('d'), file('d/a', 'x'), file('d/a', 'y')]), { name: 'InvalidArgumentError' })
  })
})

describe('importer: symlinks [t0044]', () => {
  it('add -r files with a good and a broken link', async () => {
    const out = await importAll([
      dir('files'), dir('files/bar'), symlink('files/bar/baz', 'files/foo/baz'), symlink('files/bad', 'files/does/not/exist'),
      dir('files/foo'), file('files/foo/baz', 'some text\n')
    ])
    assert.equal(out.find(o => o.name === 'files/bar/baz')?.cid, 'QmdocmZeF7qwPT9Z8SiVhMSyKA2KKoA2J7jToW6z6WBmxR')
    assert.equal(out.find(o => o.name === 'files/bad')?.cid, 'QmWYN8SEXCgNT2PSjB6BnxAx6NJQtazWoBkTRH9GRfPFFQ')
    assert.deepEqual(lines(out.slice(-1)), ['added QmWdiHKoeSW8G1u7ATCgpx4yMoUhYaJBQGkyPLkS9goYZ8 files'])
  })

  it('a lone symlink is added as the link itself', async () => {
    assert.deepEqual(lines(await importAll([symlink('baz', 'files/foo/baz')])), ['added QmdocmZeF7qwPT9Z8SiVhMSyKA2KKoA2J7jToW6z6WBmxR baz'])
  })
})

describe('importer: wrap-with-directory [t0031 equivalence + t0040 CIDs]', () => {
  it('-w mars.txt venus.txt is the planets folder; the wrapper line has the empty name', async () => {
    const out = await importAll([file('mars.txt', 'Hello Mars!\n'), file('venus.txt', 'Hello Venus!\n')], { wrap: true })
    assert.deepEqual(lines(out), [
      'added QmPrrHqJzto9m7SyiRzarwkqPcCSsKR2EB1AyqJfe8L8tN mars.txt',
      'added QmU5kp3BH3B8tnWUU2Pikdb2maksBNkb92FHRr56hyghh4 venus.txt',
      'added QmWSgS32xQEcXMeqd3YPJLrNBLSdsfYCep2U7CFkyrjXwY '
    ])
  })

  it('-r -w jupiter mercury.txt saturn is the moons folder', async () => {
    const out = await importAll([
      dir('jupiter'), file('jupiter/europa.txt', 'Hello Europa!\n'), file('mercury.txt', 'hey youre no moon!\n'),
      dir('saturn'), file('saturn/titan.txt', 'Hello Titan!\n')
    ], { wrap: true })
    assert.deepEqual(lines(out), [
      'added Qmbjg7zWdqdMaK2BucPncJQDxiALExph5k3NkQv5RHpccu jupiter/europa.txt',
      'added QmUJjVtnN8YEeYcS8VmUeWffTWhnMQAkk5DzZdKnPhqUdK mercury.txt',
      'added QmZzppb9WHn552rmRqpPfgU5FEiHH6gDwi3MrB9cTdPwdb saturn/titan.txt',
      'added QmS5mZddhFPLWFX3w6FzAy9QxyYkaxvUpsWCtZ3r7jub9J jupiter',
      'added QmaMagZT4rTE7Nonw8KGSK4oe1bh533yhZrCo1HihSG8FK saturn',
      'added QmVKvomp91nMih5j6hYBA8KjbiaYvEetU2Q7KvtZkLe9nQ '
    ])
  })

  it('-w --raw-leaves of the planets files is the --raw-leaves planets folder', async () => {
    const out = await importAll([file('mars.txt', 'Hello Mars!\n'), file('venus.txt', 'Hello Venus!\n')], { wrap: true, raw_leaves: true, raw_leaves_set: true })
    assert.equal(out[out.length - 1].cid, 'QmfWfQfKCY5Ukv9peBbxM5vqWM9BzmqUSXvdCgjT2wsiBT')
  })
})

describe('importer: several top-level entries without wrap', () => {
  it('adds each on its own, like `ipfs add a b` [t0040 multiple files]', async () => {
    assert.deepEqual(lines(await importAll([file('hello.txt', 'Hello Worlds!\n'), file('hello2.txt', 'Helloo Worlds!\n')])), [
      'added QmVr26fY1tKyspEJBniVhqxQeEjhF78XerGiqWAwraVLQH hello.txt',
      'added Qmf35k66MZNW2GijohUmXQEWKZU4cCGTCwK6idfnt152wJ hello2.txt'
    ])
  })

  it('two folders stay separate trees', async () => {
    const out = await importAll([
      ...planets(),
      dir('moons'), dir('moons/jupiter'), file('moons/jupiter/europa.txt', 'Hello Europa!\n'),
      file('moons/mercury.txt', 'hey youre no moon!\n'), dir('moons/saturn'), file('moons/saturn/titan.txt', 'Hello Titan!\n')
    ])
    assert.equal(out.find(o => o.name === 'planets')?.cid, 'QmWSgS32xQEcXMeqd3YPJLrNBLSdsfYCep2U7CFkyrjXwY')
    assert.deepEqual(lines(out.slice(-1)), ['added QmVKvomp91nMih5j6hYBA8KjbiaYvEetU2Q7KvtZkLe9nQ moons'])
  })
})

describe('importer: large flat directories [cli cid_profiles_test unixfs-v0-2015]', () => {
  it('4096 names of 30 bytes sit exactly at the 256 KiB estimate and stay a basic directory', async () => {
    const names = await deterministicNames(4096, 30, 30, 'hamt-unixfs-v0-2015')
    const out = await importAll([dir('d'), ...names.map(n => file(`d/${n}`, 'x'))])
    assert.equal(out.length, 4097)
    assert.deepEqual(lines(out.slice(-1)), ['added QmX5GtRk3TSSEHtdrykgqm4eqMEn3n2XhfkFAis5fjyZmN d'])
  })
})

describe('importer: HAMT-sharded directories [cli cid_profiles_test unixfs-v0-2015]', () => {
  it('4033 names of 31 bytes pass the estimate by one byte and become a HAMT', async () => {
    const names = await deterministicNames(4033, 31, 31, 'hamt-unixfs-v0-2015')
    const out = await importAll([dir('d'), ...names.map(n => file(`d/${n}`, 'x'))])
    assert.deepEqual(lines(out.slice(-1)), ['added QmeMiJzmhpJAUgynAcxTQYek5PPKgdv3qEvFsdV3XpVnvP d'])
  })
})
