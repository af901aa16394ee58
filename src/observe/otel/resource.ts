// The Resource of this process's spans: `service.name` and a `service.instance.id` drawn once per
// process, so several instances of one service behind a load balancer stay apart in one Collector.
import { randomUUID } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'

let processInstanceId: string | undefined

/** A random UUID, the same for every Tracing of this process. */
export function serviceInstanceId (): string {
  processInstanceId ??= randomUUID()
  return processInstanceId
}

async function packageName (): Promise<string | undefined> {
  let text: string
  try {
    text = await readFile(join(process.cwd(), 'package.json'), 'utf8')
  } catch {
    return undefined // no package.json in the working directory: the next default applies
  }
  try {
    const name = (JSON.parse(text) as { name?: unknown }).name
    return typeof name === 'string' && name !== '' ? name : undefined
  } catch {
    return undefined // an unreadable package.json is the application's concern, not tracing's
  }
}

export async function resolveServiceName (explicit: string | undefined, attributes: Record<string, string>): Promise<string> {
  return explicit ?? attributes['service.name'] ?? (process.env.OTEL_SERVICE_NAME || undefined) ?? (await packageName()) ?? 'weft'
}

/** The attributes added to the SDK's default Resource (telemetry.sdk.*). */
export function serviceAttributes (serviceName: string, extra: Record<string, string>): Record<string, string> {
  return { ...extra, 'service.name': serviceName, 'service.instance.id': extra['service.instance.id'] ?? serviceInstanceId() }
}
