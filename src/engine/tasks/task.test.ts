import { describe, expect, it } from 'vitest';
import { hasCode } from '../errdefs.js';
import { canTransition, illegalTransition, statusFromRunc, transition, type TaskOperation, type TaskStatus } from './task.js';

describe('task state machine', () => {
  it.each<[TaskStatus, TaskOperation, TaskStatus]>([
    ['created', 'start', 'running'],
    ['created', 'delete', 'deleted'],
    ['running', 'pause', 'paused'],
    ['paused', 'resume', 'running'],
    ['running', 'kill', 'running'],
    ['paused', 'kill', 'paused'],
    ['running', 'exec', 'running'],
    ['stopped', 'delete', 'deleted'],
  ])('%s --%s--> %s', (from, op, to) => {
    expect(transition('c1', from, op)).toBe(to);
  });

  it.each<[TaskStatus, TaskOperation, string]>([
    ['created', 'pause', 'container c1 is not running'],
    ['stopped', 'pause', 'container c1 is not running'],
    ['paused', 'pause', 'container c1 is already paused'],
    ['running', 'resume', 'container c1 is not paused'],
    ['created', 'resume', 'container c1 is not paused'],
    ['created', 'exec', 'container c1 is not running'],
    ['paused', 'exec', 'container c1 is paused, unpause the container before exec'],
    ['stopped', 'kill', 'container c1 is not running'],
    ['created', 'kill', 'container c1 is not running'],
    ['stopped', 'start', 'cannot start task in stopped state'],
    ['running', 'start', 'container c1 is already running'],
    ['running', 'delete', 'you cannot remove a running container c1: stop the container before attempting removal or force remove'],
  ])('refuses %s --%s with failed-precondition', (from, op, message) => {
    expect(canTransition(from, op)).toBe(false);
    expect(() => transition('c1', from, op)).toThrow(message);
    expect(hasCode(illegalTransition('c1', from, op), 'failed-precondition')).toBe(true);
  });

  it('answers not-found for any operation on a deleted task', () => {
    expect(hasCode(illegalTransition('c1', 'deleted', 'kill'), 'not-found')).toBe(true);
    expect(() => transition('c1', 'deleted', 'delete')).toThrow('task "c1": not found');
  });

  it('maps runc statuses', () => {
    expect(statusFromRunc('creating')).toBe('created');
    expect(statusFromRunc('paused')).toBe('paused');
  });
});
