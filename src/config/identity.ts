// identity.json: {"id": "<peer ID>", "private_key": "<base64 of the protobuf-encoded key>"},
// as upstream writes it (4-space indent, mode 0600). Ed25519 by default; RSA keys load too.
import { readFile, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { PrivateKey } from '@libp2p/interface'
import { ConfigError } from './service-config.js'

export const IDENTITY_JSON = 'identity.json'

export interface Identity {
  id: string
  privateKey: PrivateKey
}

export function identityPath (dir: string): string {
  return join(dir, IDENTITY_JSON)
}

export async function generateIdentity (): Promise<Identity> {
  const privateKey = await generateKeyPair('Ed25519')
  return { id: peerIdFromPrivateKey(privateKey).toString(), privateKey }
}

/** Decodes and checks an identity: the id must be the key's. Env CLUSTER_ID / CLUSTER_PRIVATEKEY override. */
export function decodeIdentity (json: { id?: unknown, private_key?: unknown }, env: NodeJS.ProcessEnv = process.env): Identity {
  const id = env.CLUSTER_ID ?? json.id
  const key = env.CLUSTER_PRIVATEKEY ?? json.private_key
  if (typeof id !== 'string' || id === '' || typeof key !== 'string' || key === '') {
    throw new ConfigError('identity.json needs both "id" and "private_key"')
  }
  let privateKey: PrivateKey
  try {
    privateKey = privateKeyFromProtobuf(Buffer.from(key, 'base64'))
  } catch (err: any) {
    throw new ConfigError(`identity.json: cannot decode private_key: ${err.message}`)
  }
  const derived = peerIdFromPrivateKey(privateKey).toString()
  if (derived !== id) throw new ConfigError(`identity.json: id ${id} does not match the private key (${derived})`)
  return { id, privateKey }
}

export async function loadIdentity (dir: string, env: NodeJS.ProcessEnv = process.env): Promise<Identity> {
  const file = identityPath(dir)
  if (!existsSync(file)) throw new ConfigError(`no identity found at ${file}. Run "cluster-service init" first`)
  let json: any
  try {
    json = JSON.parse(await readFile(file, 'utf8'))
  } catch (err: any) {
    throw new ConfigError(`error reading ${file}: ${err.message}`)
  }
  return decodeIdentity(json, env)
}

export async function saveIdentity (dir: string, identity: Identity): Promise<void> {
  const json = {
    id: identity.id,
    private_key: Buffer.from(privateKeyToProtobuf(identity.privateKey)).toString('base64')
  }
  await writeFile(identityPath(dir), JSON.stringify(json, null, 4) + '\n', { mode: 0o600 })
}
