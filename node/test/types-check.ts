// Compiled (never run) by types.test.js: the declarations fit socket.io,
// socket.io-client and express as an app would use them together.
import { createServer } from 'node:http';
import express from 'express';
import { Server } from 'socket.io';
import { io as connect } from 'socket.io-client';
import {
  decodeIdentity, encodeIdentity, engineGuard, requestUser, socketAuth, type SocketData,
} from 'socketio-auth-edge';
import { watchSession, type Refusal } from 'socketio-auth-edge/client';

interface ClientToServer { 'chat message': (text: string) => void }
interface ServerToClient { 'chat message': (m: { name: string; message: string }) => void }

const app = express();
app.use('/api', requestUser());
app.get('/api/me', (req, res) => {
  const name: string | undefined = req.user?.username;
  res.json({ name });
});

const httpServer = createServer(app);
const io = new Server<ClientToServer, ServerToClient, Record<string, never>, SocketData>(httpServer);
io.engine.use(engineGuard(io, { onRefuse: (req, { sid, reason }) => console.log(req.url, sid, reason) }));
io.engine.use(requestUser({ required: false }));
io.use(socketAuth());
io.on('connection', (socket) => {
  const user: string = socket.data.user;
  const username: string | undefined = socket.request.user?.username;
  socket.on('chat message', (message) => io.emit('chat message', { name: user, message }));
  void username;
});

const name: string | null = decodeIdentity("UTF-8''jos%C3%A9");
const value: string = encodeIdentity('josé');

const socket = connect('http://127.0.0.1:1', { autoConnect: false });
const watch = watchSession(socket, { whoamiURL: '/whoami', recheckInterval: 0 });
watch.on('refused', (r: Refusal) => console.log(r.reason, r.status, r.source)).on('resumed', () => {});
const state: 'connecting' | 'connected' | 'refused' | 'resuming' = watch.state;
watch.stop();
void name; void value; void state;
