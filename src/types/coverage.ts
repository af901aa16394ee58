// Build-time check that the public interfaces and the runtime classes name the same members: a
// method added to the instance, Request or Reply without its public type fails `npm run build`.
import type { HttpInstance as InstanceClass } from '../http/weft-instance.js'
import type { Reply as ReplyClass } from '../http/reply.js'
import type { Request as RequestClass } from '../http/request.js'
import type { FastifyInstance, FastifyReply, FastifyRequest } from './api.js'

type Missing<From, In> = Exclude<Extract<keyof From, string>, keyof In | `~${string}`>
type ExpectNone<T extends never> = T

/** `then` stays off the public instance type: awaiting an instance is for register() chains, and typing it would make every instance a promise. */
export type InstanceMembersTyped = ExpectNone<Missing<InstanceClass, FastifyInstance> extends infer M ? Exclude<M, 'then'> : never>
/** Members a plugin of Weft's own declares on the public types and adds at run time by decorating (weft/observe). */
type Decorated = 'observe' | 'activity'
export type InstanceMembersExist = ExpectNone<Exclude<Missing<FastifyInstance, InstanceClass>, Decorated>>
export type RequestMembersTyped = ExpectNone<Missing<RequestClass, FastifyRequest>>
export type RequestMembersExist = ExpectNone<Exclude<Missing<FastifyRequest, RequestClass>, Decorated>>
export type ReplyMembersTyped = ExpectNone<Missing<ReplyClass, FastifyReply>>
export type ReplyMembersExist = ExpectNone<Missing<FastifyReply, ReplyClass>>
