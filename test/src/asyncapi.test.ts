import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { before, describe, it } from 'node:test';
import {
  type AsyncAPIDocumentInterface,
  type Diagnostic,
  DiagnosticSeverity,
  type MessageInterface,
  Parser,
  type SchemaInterface,
} from '@asyncapi/parser';
import ts from 'typescript';
import { CLIENT_EVENTS, ConnectRefusal, ErrorCode, SERVER_EVENTS } from '@chat/contracts';

/**
 * docs/asyncapi.yaml, offline: it must parse without errors, and it must describe the events the
 * code has. The event names come from libs/contracts at run time (CLIENT_EVENTS, SERVER_EVENTS, which
 * the compiler keeps equal to the typed maps); the payload shapes from the contract's types, read
 * with the TypeScript compiler; the client payloads are checked against the gateway's own handlers
 * too: which DTO each event is validated with (Nest's metadata on the compiled gateways), that DTO's
 * fields (class-validator's metadata), and the gateway's validation pipe run on every example.
 */

const repoRoot = resolve(__dirname, '../..');
const documentPath = join(repoRoot, 'docs/asyncapi.yaml');
const gatewayDist = join(repoRoot, 'apps/gateway/dist');

let document: AsyncAPIDocumentInterface;
let diagnostics: Diagnostic[];

before(async () => {
  const parsed = await new Parser().parse(readFileSync(documentPath, 'utf8'), { source: documentPath });
  diagnostics = parsed.diagnostics;
  assert.ok(parsed.document, `docs/asyncapi.yaml does not parse:\n${diagnostics.map(describeDiagnostic).join('\n')}`);
  document = parsed.document;
});

function describeDiagnostic(diagnostic: Diagnostic): string {
  const severity = DiagnosticSeverity[diagnostic.severity] ?? String(diagnostic.severity);
  return `${severity} ${diagnostic.code} at ${diagnostic.path.join('.') || '(root)'}: ${diagnostic.message}`;
}

/** The Socket.IO event names of the operations with this action, each operation's one message. */
function eventsOf(action: 'send' | 'receive'): Map<string, MessageInterface> {
  const events = new Map<string, MessageInterface>();
  for (const operation of document.operations().all()) {
    if (operation.action() !== action) continue;
    const messages = operation.messages().all();
    assert.equal(messages.length, 1, `operation ${operation.id()} should carry one event, not ${messages.length}`);
    const name = messages[0].name();
    assert.ok(name, `the message of operation ${operation.id()} names no event (its \`name\`)`);
    assert.ok(!events.has(name), `two ${action} operations for the event ${name}`);
    events.set(name, messages[0]);
  }
  return events;
}

const sorted = (names: Iterable<string>) => [...names].sort();

describe('docs/asyncapi.yaml', () => {
  it('parses with no errors (warnings are printed)', (t) => {
    for (const diagnostic of diagnostics) t.diagnostic(describeDiagnostic(diagnostic));
    // Numbers on both sides: the parser's Diagnostic carries its own copy of @stoplight/types' enum.
    const errors = diagnostics.filter((d) => Number(d.severity) === Number(DiagnosticSeverity.Error));
    assert.deepEqual(errors.map(describeDiagnostic), []);
    assert.equal(document.version(), '3.0.0');
  });

  it("takes its version from the root package.json's", () => {
    const { version } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    assert.equal(document.info().version(), version);
  });

  it('sends exactly the client → server events of libs/contracts (CLIENT_EVENTS)', () => {
    assert.deepEqual(sorted(eventsOf('send').keys()), sorted(CLIENT_EVENTS));
  });

  it('receives exactly the server → client events of libs/contracts (SERVER_EVENTS)', () => {
    assert.deepEqual(sorted(eventsOf('receive').keys()), sorted(SERVER_EVENTS));
  });

  it('gives every client event an ack `{ ok: true, data } | { ok: false, error }` as its reply, and server events none', () => {
    for (const operation of document.operations().all()) {
      const reply = operation.reply();
      if (operation.action() === 'receive') {
        assert.equal(reply, undefined, `server event operation ${operation.id()} has a reply`);
        continue;
      }
      assert.ok(reply, `client event operation ${operation.id()} has no reply (its ack)`);
      const acks = reply.messages().all();
      assert.equal(acks.length, 1, `operation ${operation.id()}: one ack message`);
      const branches = acks[0].payload()?.oneOf() ?? [];
      const okValues = branches.map((branch) => branch.properties()?.ok?.const() as unknown);
      assert.deepEqual(okValues.sort(), [false, true], `the ack of ${operation.id()} should be oneOf ok: true / ok: false`);
      const failure = branches.find((branch) => (branch.properties()?.ok?.const() as unknown) === false);
      assert.deepEqual(sorted(failure?.properties()?.error?.required() ?? []), ['code', 'message']);
    }
  });

  it('lists the error codes of libs/contracts (ErrorCode), no more and no fewer', () => {
    const schema = document.components().schemas().get('ErrorCode');
    assert.ok(schema, 'components.schemas.ErrorCode is missing');
    assert.deepEqual(sorted((schema.enum() ?? []) as string[]), sorted(Object.values(ErrorCode)));
  });

  it('names every connection refusal of libs/contracts (ConnectRefusal) in each server', () => {
    for (const server of document.servers().all()) {
      for (const refusal of Object.values(ConnectRefusal)) {
        assert.ok(server.description()?.includes(`\`${refusal}\``), `server ${server.id()} does not mention \`${refusal}\``);
      }
    }
  });
});

// ---- The contract's types ------------------------------------------------------------------------------

/** An object's top-level fields as both sides can state them: names, which are required, string enums. */
interface Shape {
  properties: string[];
  required: string[];
  enums: Record<string, string[]>;
}

const shapeKey = (shape: Shape) => JSON.stringify(shape);

/** The object shapes a schema allows: itself, or each `oneOf` branch, with `allOf` merged; none for a scalar. */
function schemaShapes(schema: SchemaInterface): Shape[] {
  const oneOf = schema.oneOf();
  if (oneOf) return oneOf.flatMap(schemaShapes);
  const parts = schema.allOf() ?? [schema];
  const properties = new Map<string, SchemaInterface>();
  const required = new Set<string>();
  for (const part of parts) {
    for (const [name, property] of Object.entries(part.properties() ?? {})) properties.set(name, property);
    for (const name of part.required() ?? []) required.add(name);
  }
  if (properties.size === 0 && schema.type() !== 'object') return [];
  const enums: Record<string, string[]> = {};
  for (const name of sorted(properties.keys())) {
    const values = properties.get(name)?.enum();
    if (values?.every((value) => typeof value === 'string')) enums[name] = sorted(values);
  }
  return [{ properties: sorted(properties.keys()), required: sorted(required), enums }];
}

/** libs/contracts as the compiler sees it, and the same shapes read from its types. */
class ContractTypes {
  private readonly checker: ts.TypeChecker;
  readonly exports = new Map<string, ts.Type>();

  constructor(entry: string) {
    const program = ts.createProgram([entry], { strict: true, noEmit: true, skipLibCheck: true, types: [], lib: ['lib.es2023.d.ts'] });
    this.checker = program.getTypeChecker();
    const source = program.getSourceFile(entry);
    const module = source && this.checker.getSymbolAtLocation(source);
    assert.ok(module, `cannot read ${entry}`);
    for (let symbol of this.checker.getExportsOfModule(module)) {
      const name = symbol.name;
      if (symbol.flags & ts.SymbolFlags.Alias) symbol = this.checker.getAliasedSymbol(symbol);
      if (symbol.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias))
        this.exports.set(name, this.checker.getDeclaredTypeOfSymbol(symbol));
    }
  }

  /** The events of an interface of functions (ClientToServerEvents), each one's parameter types. */
  events(name: string): Map<string, ts.Type[]> {
    const map = this.exports.get(name);
    assert.ok(map, `libs/contracts exports no ${name}`);
    const events = new Map<string, ts.Type[]>();
    for (const event of this.checker.getPropertiesOfType(map)) {
      const [signature] = this.checker.getTypeOfSymbol(event).getCallSignatures();
      events.set(
        event.name,
        signature.parameters.map((parameter) => this.checker.getTypeOfSymbol(parameter)),
      );
    }
    return events;
  }

  /** `data` of the `ok: true` member of the `Ack<T>` an ack callback takes. */
  ackData(callback: ts.Type): ts.Type {
    const [signature] = callback.getCallSignatures();
    const ack = this.checker.getTypeOfSymbol(signature.parameters[0]);
    const success = (ack.isUnion() ? ack.types : [ack]).find((member) => {
      const ok = member.getProperty('ok');
      return ok && this.checker.typeToString(this.checker.getTypeOfSymbol(ok)) === 'true';
    });
    const data = success?.getProperty('data');
    assert.ok(data, `${this.checker.typeToString(ack)} has no { ok: true, data } member`);
    return this.checker.getTypeOfSymbol(data);
  }

  /** The string values of a union of string literals (null and undefined aside), or undefined. */
  stringEnum(type: ts.Type): string[] | undefined {
    const members = (type.isUnion() ? type.types : [type]).filter((t) => !(t.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Null)));
    if (members.length === 0 || !members.every((t) => t.isStringLiteral())) return undefined;
    return sorted(members.map((t) => t.value));
  }

  /** The object shapes a type allows: itself, or each object member of a union; none for a scalar. */
  shapes(type: ts.Type): Shape[] {
    if (type.isUnion()) return type.types.flatMap((member) => this.shapes(member));
    if (!(type.flags & ts.TypeFlags.Object)) return [];
    const properties = this.checker.getPropertiesOfType(type);
    const enums: Record<string, string[]> = {};
    for (const property of sorted(properties.map((p) => p.name))) {
      const values = this.stringEnum(this.checker.getTypeOfSymbol(type.getProperty(property)!));
      if (values) enums[property] = values;
    }
    return [
      {
        properties: sorted(properties.map((p) => p.name)),
        required: sorted(properties.filter((p) => !(p.flags & ts.SymbolFlags.Optional)).map((p) => p.name)),
        enums,
      },
    ];
  }
}

/**
 * Type-checks values against types of libs/contracts, as if a client had written them as literals in
 * a module beside the contract's index: the compiler's messages, each with the label of its value.
 */
function typeCheck(values: { label: string; type: string; value: unknown }[]): string[] {
  const dir = join(repoRoot, 'libs/contracts/src');
  const file = join(dir, 'asyncapi-examples.ts');
  const lines = [
    "import type { Ack, AckOf, PayloadOf, ServerToClientEvents } from './index';",
    ...values.map(({ type, value }, i) => `export const value${i}: ${type} = ${JSON.stringify(value)};`),
  ];
  const options: ts.CompilerOptions = { strict: true, noEmit: true, skipLibCheck: true, types: [], lib: ['lib.es2023.d.ts'] };
  const host = ts.createCompilerHost(options);
  const source = ts.createSourceFile(file, lines.join('\n'), ts.ScriptTarget.ES2023, true);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, ...rest) => (resolve(name) === file ? source : getSourceFile(name, ...rest));
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => resolve(name) === file || fileExists(name);
  const program = ts.createProgram([file], options, host);
  return [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)].map((diagnostic) => {
    const line = diagnostic.start === undefined ? 0 : source.getLineAndCharacterOfPosition(diagnostic.start).line;
    return `${values[line - 1]?.label ?? 'the header'}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ')}`;
  });
}

describe('docs/asyncapi.yaml against the types of libs/contracts', () => {
  let types: ContractTypes;
  before(() => {
    types = new ContractTypes(join(repoRoot, 'libs/contracts/src/index.ts'));
  });

  const assertSameShapes = (schema: SchemaInterface | undefined, type: ts.Type, where: string) => {
    assert.ok(schema, `${where}: no schema`);
    assert.deepEqual(sorted(schemaShapes(schema).map(shapeKey)), sorted(types.shapes(type).map(shapeKey)), where);
  };

  it('gives every server event the payload fields of ServerToClientEvents', () => {
    const messages = eventsOf('receive');
    for (const [event, [payload]] of types.events('ServerToClientEvents')) {
      assertSameShapes(messages.get(event)?.payload(), payload, `server event ${event}`);
    }
  });

  it('gives every client event the payload fields of ClientToServerEvents, and its ack the data of Ack<T>', () => {
    const messages = eventsOf('send');
    const replies = new Map(
      document
        .operations()
        .all()
        .filter((operation) => operation.action() === 'send')
        .map((operation) => [operation.messages().all()[0]?.name(), operation.reply()?.messages().all()[0]?.payload()]),
    );
    for (const [event, [payload, ack]] of types.events('ClientToServerEvents')) {
      assertSameShapes(messages.get(event)?.payload(), payload, `client event ${event}`);
      const success = replies
        .get(event)
        ?.oneOf()
        ?.find((branch) => (branch.properties()?.ok?.const() as unknown) === true);
      assertSameShapes(success?.properties()?.data, types.ackData(ack), `the ack data of ${event}`);
    }
  });

  it('has examples that type-check as the payloads and acks of libs/contracts', (t) => {
    const values: { label: string; type: string; value: unknown }[] = [];
    for (const operation of document.operations().all()) {
      const message = operation.messages().all()[0];
      const event = message?.name() ?? '';
      const payloadType = operation.action() === 'send' ? `PayloadOf<'${event}'>` : `Parameters<ServerToClientEvents['${event}']>[0]`;
      for (const example of message?.examples().all() ?? []) {
        values.push({ label: `${message.id()} example "${example.name() ?? ''}"`, type: payloadType, value: example.payload() });
      }
      for (const ack of operation.reply()?.messages().all() ?? []) {
        for (const example of ack.examples().all()) {
          values.push({
            label: `${ack.id()} example "${example.name() ?? ''}" for ${event}`,
            type: `Ack<AckOf<'${event}'>>`,
            value: example.payload(),
          });
        }
      }
    }
    t.diagnostic(`${values.length} examples type-checked`);
    assert.ok(values.length > 0, 'the document has no examples');
    assert.deepEqual(typeCheck(values), []);
  });

  it('matches every shared schema named after a type of libs/contracts with that type', (t) => {
    const compared: string[] = [];
    for (const schema of document.components().schemas().all()) {
      const type = types.exports.get(schema.id());
      if (!type) continue;
      const values = types.stringEnum(type);
      if (values) assert.deepEqual(sorted((schema.enum() ?? []) as string[]), values, `components.schemas.${schema.id()}: enum`);
      else assertSameShapes(schema, type, `components.schemas.${schema.id()}`);
      compared.push(schema.id());
    }
    t.diagnostic(`compared with their types: ${compared.join(', ')}`);
    assert.ok(compared.length > 0, 'no shared schema is named after a type of libs/contracts');
  });
});

// ---- The gateway's handlers ------------------------------------------------------------------------------

/** Modules of the compiled gateway, resolved as the gateway resolves them (the same Nest and class-validator). */
const gatewayRequire = createRequire(join(gatewayDist, 'main.js'));

interface MetadataReflect {
  getMetadata(key: string, target: object, property?: string): unknown;
}
type Constructor = abstract new (...args: never[]) => unknown;
interface Pipe {
  transform(value: unknown, metadata: { type: string; metatype?: unknown; data?: string }): unknown;
}
interface Handler {
  gateway: string;
  method: string;
  /** The payload parameter's type: a DTO class, or Number where a pipe turns the payload into an id. */
  payloadType: Constructor;
  /** Pipes on the payload parameter itself, run after the global validation pipe. */
  pipes: (Pipe | (new () => Pipe))[];
}

/** Every `@SubscribeMessage` handler of every `*.gateway.js`, by event name. */
function loadHandlers(): Map<string, Handler> {
  gatewayRequire('reflect-metadata');
  const reflect = Reflect as unknown as MetadataReflect;
  const { MESSAGE_METADATA, PARAM_ARGS_METADATA } = gatewayRequire('@nestjs/websockets/constants') as Record<string, string>;
  const { WsParamtype } = gatewayRequire('@nestjs/websockets/enums/ws-paramtype.enum') as { WsParamtype: { PAYLOAD: number } };
  const files = (readdirSync(gatewayDist, { recursive: true }) as string[]).filter((file) => file.endsWith('.gateway.js'));
  assert.ok(files.length > 0, `no *.gateway.js under ${gatewayDist}: run npm run build`);
  const handlers = new Map<string, Handler>();
  for (const file of files) {
    for (const exported of Object.values(gatewayRequire(join(gatewayDist, file)) as Record<string, unknown>)) {
      if (typeof exported !== 'function') continue;
      const prototype = exported.prototype as Record<string, unknown>;
      for (const method of Object.getOwnPropertyNames(prototype)) {
        const callback = prototype[method];
        const event = typeof callback === 'function' ? reflect.getMetadata(MESSAGE_METADATA, callback) : undefined;
        if (typeof event !== 'string') continue;
        const args = (reflect.getMetadata(PARAM_ARGS_METADATA, exported, method) ?? {}) as Record<string, { index: number; pipes: Pipe[] }>;
        const payload = Object.entries(args).find(([key]) => Number(key.split(':')[0]) === WsParamtype.PAYLOAD)?.[1];
        assert.ok(payload, `${exported.name}.${method} (${event}) takes no @MessageBody()`);
        const types = reflect.getMetadata('design:paramtypes', prototype, method) as Constructor[];
        assert.ok(!handlers.has(event), `two handlers for ${event}`);
        handlers.set(event, { gateway: exported.name, method, payloadType: types[payload.index], pipes: payload.pipes });
      }
    }
  }
  return handlers;
}

/** What class-validator knows of a DTO: its fields, and those it validates even when absent. */
function dtoFields(dto: Constructor): { properties: string[]; required: string[] } | undefined {
  const { getMetadataStorage } = gatewayRequire('class-validator') as {
    getMetadataStorage(): {
      getTargetValidationMetadatas(
        target: Constructor,
        schema: string,
        always: boolean,
        strictGroups: boolean,
      ): { propertyName: string; type: string }[];
    };
  };
  const metadata = getMetadataStorage().getTargetValidationMetadatas(dto, '', true, false);
  if (metadata.length === 0) return undefined;
  const properties = new Set(metadata.map((m) => m.propertyName));
  // @IsOptional() and @ValidateIf() register as conditional validation: such a field may be left out.
  const conditional = new Set(metadata.filter((m) => m.type === 'conditionalValidation').map((m) => m.propertyName));
  return { properties: sorted(properties), required: sorted([...properties].filter((p) => !conditional.has(p))) };
}

describe('docs/asyncapi.yaml against the gateway', () => {
  let handlers: Map<string, Handler>;
  let clientEvents: Map<string, MessageInterface>;
  let globalPipe: Pipe;

  before(() => {
    handlers = loadHandlers();
    clientEvents = eventsOf('send');
    const { createValidationPipe } = gatewayRequire(join(gatewayDist, 'common/validation.js')) as { createValidationPipe(): Pipe };
    globalPipe = createValidationPipe();
  });

  /** Whether the gateway's pipes let the payload through to its handler, or how they refuse it. */
  async function validate(event: string, payload: unknown): Promise<{ ok: true } | { ok: false; message: string }> {
    const handler = handlers.get(event);
    assert.ok(handler, `no handler for ${event}`);
    try {
      let value = await globalPipe.transform(payload, { type: 'body', metatype: handler.payloadType });
      for (const pipe of handler.pipes) value = await (typeof pipe === 'function' ? new pipe() : pipe).transform(value, { type: 'body' });
      return { ok: true };
    } catch (error) {
      const response = (error as { getResponse?: () => unknown }).getResponse?.();
      return { ok: false, message: JSON.stringify(response ?? (error as Error).message) };
    }
  }

  it('has a handler for exactly the events of CLIENT_EVENTS', () => {
    assert.deepEqual(sorted(handlers.keys()), sorted(CLIENT_EVENTS));
  });

  it("gives each client payload the properties of the handler's DTO, and requires those the DTO does", () => {
    let compared = 0;
    for (const [event, handler] of handlers) {
      const fields = dtoFields(handler.payloadType);
      if (!fields) continue; // a pipe reads the payload (join_room, leave_room): the examples below check it
      const schema = clientEvents.get(event)?.payload();
      assert.ok(schema, `${event} has no payload schema`);
      const where = `${event} (${handler.gateway}.${handler.method}, ${handler.payloadType.name})`;
      assert.deepEqual(sorted(Object.keys(schema.properties() ?? {})), fields.properties, `${where}: properties`);
      assert.deepEqual(sorted(schema.required() ?? []), fields.required, `${where}: required properties`);
      assert.equal(schema.additionalProperties(), false, `${where}: the gateway refuses unknown fields, the schema should too`);
      compared++;
    }
    assert.ok(compared > 0, 'no handler has a DTO with class-validator metadata: is the gateway built?');
  });

  it("has examples for every client event, each accepted by the gateway's validation", async () => {
    for (const [event, message] of clientEvents) {
      const examples = message.examples().all();
      assert.ok(examples.length > 0, `${event} has no example`);
      for (const example of examples) {
        const result = await validate(event, example.payload());
        assert.deepEqual(result, { ok: true }, `${event} example "${example.name() ?? ''}" is refused by the gateway`);
      }
    }
  });

  it('is right that the gateway refuses an example without a required property, or with an unknown one', async () => {
    for (const [event, message] of clientEvents) {
      for (const example of message.examples().all()) {
        const payload = example.payload() as unknown;
        if (typeof payload !== 'object' || payload === null) continue;
        const withExtra = { ...payload, unlisted: 1 };
        assert.equal((await validate(event, withExtra)).ok, false, `${event}: an unknown field passes the gateway`);
        for (const property of message.payload()?.required() ?? []) {
          const without: Record<string, unknown> = { ...payload };
          delete without[property];
          assert.equal((await validate(event, without)).ok, false, `${event}: the gateway accepts it without ${property}`);
        }
      }
    }
  });
});
