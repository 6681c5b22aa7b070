#!/usr/bin/python3
# Voxpipe
# Copyright (C) 2026 Voxpipe contributors
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The client through GObject Introspection, as a Python application uses
# it: every public function it needs (session: new, connect, close,
# send_*, send_tool_response, get_usage, dup_resume_handle, update,
# set_tools, set_setup, dup_setup; tools: parse, load, lookup, copy,
# to_wire, response_wrap; usage: price_lookup, usage_cost_usd), one real
# conversation against the emulator (started through its own typelib, as
# an application that links only the client would run voxpipe-emulator).
# Every wait is bounded.

import os
import sys
import threading

try:
    import gi
    gi.require_version('Voxpipe', '1.0')
    gi.require_version('VoxpipeEmulator', '1.0')
    gi.require_version('Json', '1.0')
    from gi.repository import GLib, GObject, Json, Voxpipe, VoxpipeEmulator
except (ImportError, ValueError) as e:
    print(f'GObject Introspection not available ({e}); skipped')
    sys.exit(77)

WAIT = 20
SRC = os.environ.get('VP_SOURCE_DIR', os.path.join(os.path.dirname(__file__), '..', '..'))
SCENARIO = os.path.join(SRC, 'pipelines', 'receptionist.scenario.json')
TOOLS_FILE = os.path.join(SRC, 'tests', 'data', 'tools-all.json')


class Events:
    """The session's signals, which come on the network thread.  The
    session's connect() (vp_live_session_connect) hides GObject's, so
    handlers are connected through GObject.Object.connect."""

    def __init__(self, session):
        self.cond = threading.Condition()
        self.events = []
        self.calls = []
        for name in ('setup-complete', 'turn-complete', 'tool-call', 'tool-result',
                     'usage', 'resumption-update', 'closed', 'error', 'audio'):
            GObject.Object.connect(session, name, self.on_signal, name)

    def on_signal(self, session, *args):
        name = args[-1]
        with self.cond:
            if name == 'tool-call':
                self.calls.append(args[0])
            if name == 'error':
                print('error:', args[0].message)
            self.events.append(name)
            self.cond.notify_all()

    def wait(self, name, count=1):
        with self.cond:
            if not self.cond.wait_for(lambda: self.events.count(name) >= count, WAIT):
                raise AssertionError(f'no {name} within {WAIT} s; events: {self.events}')


def check_offline():
    session = Voxpipe.LiveSession.new()
    session.props.endpoint = 'ws://127.0.0.1:9'
    session.props.connect_timeout = 1234
    assert session.props.connect_timeout == 1234
    assert session.get_state() == Voxpipe.SessionState.IDLE

    setup = session.dup_setup()
    assert setup.model == 'gemini-3.8-live'
    setup.system_instruction = 'Be brief.'
    session.set_setup(setup)
    assert session.dup_setup().system_instruction == 'Be brief.'

    # Input before connect is held; every kind can be queued.
    session.send_audio([0] * 320, 16000)
    session.send_video(b'\xff\xd8\xff\xd9', None)
    session.send_text('hello')
    session.send_client_content(None, 'hello', True)
    session.send_activity_start()
    session.send_activity_end()
    session.send_audio_stream_end()

    try:
        session.send_tool_response('no-such-call', '{"output": {}}')
        raise AssertionError('an unknown call id was accepted')
    except GLib.Error as e:
        assert 'not pending' in e.message, e.message

    usage = session.get_usage()
    assert usage.cost_usd == 0.0 and usage.output_audio_tokens == 0
    assert session.dup_resume_handle() is None

    # Tools: parse, load, lookup, copy, to_wire, the response wrapper.
    tools = Voxpipe.tools_parse('{"tools": [{"name": "opening_hours", "handler": '
                                '{"result": {"open": "12:00"}}}]}', -1, 'inline')
    assert tools.origin == 'inline' and len(tools.tools) == 1
    tool = tools.lookup('opening_hours')
    assert tool.handler == Voxpipe.ToolHandler.RESULT and tool.timeout_ms == 10000
    assert tools.lookup('nothing') is None
    copy = tools.copy()
    assert copy.lookup('opening_hours').result.get_object().get_string_member('open') == '12:00'
    wire = tools.to_wire('gemini-3.1-flash-live-preview', None)
    assert wire.get_length() == 1
    loaded = Voxpipe.tools_load(TOOLS_FILE)
    assert loaded.lookup('get_menu').handler == Voxpipe.ToolHandler.EXEC
    try:
        Voxpipe.tools_load('/no/such/tools.json')
        raise AssertionError('a missing tools file loaded')
    except GLib.Error as e:
        assert 'Check the path' in e.message, e.message
    answer = Json.from_string('[1, 2]')
    wrapped = Voxpipe.Tool.response_wrap(answer)
    assert Json.to_string(wrapped, False) == '{"output":[1,2]}'
    session.set_tools(tools)

    # Updating needs a running session with resumption.
    try:
        session.update(setup, None)
        raise AssertionError('an update without resumption was accepted')
    except GLib.Error as e:
        assert 'session resumption' in e.message, e.message

    # Usage: the price table and the cost of a report.
    price = Voxpipe.price_lookup('gemini-3.1-flash-live-preview')
    assert price.audio_in == 3.0 and price.audio_out == 12.0
    report = Voxpipe.UsageMetadata()
    report.prompt_audio_tokens = 1000000
    report.prompt_tokens = 1000000
    assert abs(report.usage_cost_usd(price) - 3.0) < 1e-9
    session.close()


def check_conversation():
    emulator = VoxpipeEmulator.Emulator.new()
    emulator.props.scenario_file = SCENARIO
    emulator.props.latency_ms = 0
    emulator.props.speech_rate = 50.0
    emulator.start()
    try:
        session = Voxpipe.LiveSession.new()
        events = Events(session)
        setup = session.dup_setup()
        setup.session_resumption = True
        session.set_setup(setup)
        # A loopback endpoint needs no key.
        session.props.endpoint = emulator.get_url()
        session.connect()
        events.wait('setup-complete')
        events.wait('resumption-update')
        assert session.get_state() == Voxpipe.SessionState.READY
        assert session.dup_resume_handle() is not None

        session.send_text('Do you have a table for four tomorrow at eight?')
        events.wait('tool-call')
        session.send_tool_response(events.calls[0],
                                   '{"available": true, "time": "21:15", "table": 7}')
        events.wait('tool-result')
        events.wait('turn-complete')
        events.wait('usage')
        assert session.get_usage().cost_usd > 0

        # A running session with resumption takes an update.
        setup = session.dup_setup()
        setup.system_instruction = 'Speak like a pirate.'
        assert session.update(setup, Voxpipe.tools_parse('{"tools": []}', -1, 'none'))

        session.close()
        events.wait('closed')
        assert 'error' not in events.events, events.events
    finally:
        emulator.stop()


check_offline()
check_conversation()
print('1 passed, 0 failed')
