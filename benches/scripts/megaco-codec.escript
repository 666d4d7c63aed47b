#!/usr/bin/env escript
%% -*- erlang -*-
%%! +S 1:1 +SDcpu 1:1
%%
%% Erlang/OTP megaco's own codec throughput on a corpus directory, one scheduler,
%% printed in the format of `h248 bench` so that both can be read side by side
%% (benches/scripts/codec-anchor.sh runs the two alternately).
%%
%%   benches/scripts/megaco-codec.escript [CORPUS_DIR] [--seconds S]
%%       [--encoding pretty|compact|ber]... [--direction decode|encode] [--method passes|each]
%%
%%   CORPUS_DIR  default: ../shared/corpus relative to the repository root
%%   --seconds   seconds per line (default 3)
%%   --encoding  only these encodings (repeatable); all when absent
%%   --direction only this direction; both when absent
%%   --method    passes (default): whole passes over all messages for S seconds;
%%               each: every message alone in a loop for S / (number of messages) seconds,
%%               after one warm-up call, in a fresh process, as OTP's meas tool times them;
%%               the line then gives 1 / (mean time per message), the meas tool's average
%%
%% Needs Debian's erlang-base and erlang-megaco (exit status 2 without them).
%%
%% Messages: every NAME.pretty.txt, NAME.compact.txt and NAME.ber.bin of the directory
%% (the same message in each form). Loading asks megaco for each file's version
%% (`Mod:version_of/2`), decodes it and encodes the result once; a file megaco cannot
%% decode (or whose record it cannot encode) is left out and named on stderr.
%% Measured, as in OTP's own lib/megaco/examples/meas/megaco_codec_meas.erl:
%%   decode: Mod:decode_message(Config, Version, Bytes) -> {ok, 'MegacoMessage' record}
%%   encode: Mod:encode_message(Config, Version, Record) -> {ok, binary()}, where Record is
%%           what megaco decoded from that same file
%% with the version known (from the loading step), the way megaco's messenger passes the
%% connection's protocol version. The text decoders find the version in the header
%% themselves anyway; megaco's BER decoder needs it given (`dynamic` means version 1).
%%
%% Lines (stdout), one per encoding x direction x configuration:
%%   pretty        megaco_pretty_text_encoder,  config []  (Erlang scanner megaco_text_scanner)
%%   pretty+flex   megaco_pretty_text_encoder,  config [{flex, Port}]  (C flex scanner driver;
%%                 decode only: the scanner is not used to encode)
%%   compact       megaco_compact_text_encoder, config []
%%   compact+flex  megaco_compact_text_encoder, config [{flex, Port}]  (decode only)
%%   ber           megaco_ber_encoder, config []
%%   ber+native    megaco_ber_encoder, config [native]: the ASN.1 record as the asn1-generated
%%                 module reads and writes it, without megaco's transformation of it
%%                 (termination IDs etc.); encode takes the record a native decode gave.
%% Each line loops over all messages until S seconds have passed (whole passes), in a fresh
%% process, and prints
%%   LABEL DIRECTION MSGS msgs/s US us/msg MB MB/s
%% where MB/s counts the bytes read (decode) or written (encode), as `h248 bench` does.
-mode(compile).

-define(ENCODINGS, [pretty, compact, ber]).

main(Args) ->
    Opts = parse(Args, #{dir => default_dir(), seconds => 3.0,
                         encodings => [], direction => both, method => passes}),
    check_megaco(),
    Dir = maps:get(dir, Opts),
    case filelib:is_dir(Dir) of
        true -> ok;
        false -> fail(2, "~s: not a directory", [Dir])
    end,
    Wanted = case maps:get(encodings, Opts) of
                 [] -> ?ENCODINGS;
                 Es -> [E || E <- ?ENCODINGS, lists:member(E, Es)]
             end,
    {ok, FlexPorts} = start_flex(),
    info("megaco ~s, OTP ~s (~s), schedulers online ~w, flex scanner ~s",
         [megaco_vsn(), erlang:system_info(otp_release), erlang:system_info(emu_flavor),
          erlang:system_info(schedulers_online),
          case FlexPorts of undefined -> "unavailable"; _ -> "reentrant driver" end]),
    Total = lists:sum([run_encoding(E, Dir, FlexPorts, Opts) || E <- Wanted]),
    case Total of
        0 -> fail(1, "~s: no message megaco decodes", [Dir]);
        _ -> halt(0)
    end.

%%% Options

parse([], Opts) -> Opts;
parse(["--seconds", S | Rest], Opts) ->
    Secs = try list_to_float(S) catch _:_ ->
               try float(list_to_integer(S)) catch _:_ -> usage() end end,
    Secs > 0 orelse usage(),
    parse(Rest, Opts#{seconds => Secs});
parse(["--encoding", E | Rest], Opts = #{encodings := Es}) ->
    Enc = list_to_atom(E),
    lists:member(Enc, ?ENCODINGS) orelse usage(),
    parse(Rest, Opts#{encodings => Es ++ [Enc]});
parse(["--method", "passes" | Rest], Opts) -> parse(Rest, Opts#{method => passes});
parse(["--method", "each" | Rest], Opts) -> parse(Rest, Opts#{method => each});
parse(["--direction", "decode" | Rest], Opts) -> parse(Rest, Opts#{direction => decode});
parse(["--direction", "encode" | Rest], Opts) -> parse(Rest, Opts#{direction => encode});
parse(["--help" | _], _) -> usage(0);
parse(["-h" | _], _) -> usage(0);
parse(["-" ++ _ | _], _) -> usage();
parse([Dir | Rest], Opts) -> parse(Rest, Opts#{dir => Dir}).

usage() -> usage(2).
usage(Status) ->
    io:format(standard_error,
              "usage: megaco-codec.escript [CORPUS_DIR] [--seconds S] "
              "[--encoding pretty|compact|ber]... [--direction decode|encode] "
              "[--method passes|each]~n", []),
    halt(Status).

%% ../shared/corpus relative to the repository root (this file is benches/scripts/).
default_dir() ->
    Script = filename:absname(escript:script_name()),
    Root = filename:dirname(filename:dirname(filename:dirname(Script))),
    filename:join([filename:dirname(Root), "shared", "corpus"]).

%%% Environment

check_megaco() ->
    case code:which(megaco_pretty_text_encoder) of
        Path when is_list(Path) -> ok;
        _ -> fail(2, "Erlang/OTP megaco not installed (apt-get install -y erlang-megaco)", [])
    end.

megaco_vsn() ->
    _ = application:load(megaco),
    case application:get_key(megaco, vsn) of
        {ok, V} -> V;
        _ -> "?"
    end.

start_flex() ->
    case megaco_flex_scanner:is_enabled() andalso megaco_flex_scanner:start() of
        {ok, Ports} -> {ok, Ports};
        false -> {ok, undefined};
        Err -> info("flex scanner not started: ~p", [Err]), {ok, undefined}
    end.

%%% One encoding: load, then measure each configuration

-record(cfg, {label, mod, ec, decode = true, encode = true}).

configs(pretty, Flex) ->
    [#cfg{label = "pretty", mod = megaco_pretty_text_encoder, ec = []}
     | [#cfg{label = "pretty+flex", mod = megaco_pretty_text_encoder,
             ec = [{flex, Flex}], encode = false} || Flex =/= undefined]];
configs(compact, Flex) ->
    [#cfg{label = "compact", mod = megaco_compact_text_encoder, ec = []}
     | [#cfg{label = "compact+flex", mod = megaco_compact_text_encoder,
             ec = [{flex, Flex}], encode = false} || Flex =/= undefined]];
configs(ber, _) ->
    [#cfg{label = "ber", mod = megaco_ber_encoder, ec = []},
     #cfg{label = "ber+native", mod = megaco_ber_encoder, ec = [native]}].

suffix(pretty) -> ".pretty.txt";
suffix(compact) -> ".compact.txt";
suffix(ber) -> ".ber.bin".

%% Returns how many messages took part.
run_encoding(Enc, Dir, Flex, Opts) ->
    Files = lists:sort(filelib:wildcard(filename:join(Dir, "*" ++ suffix(Enc)))),
    Raw = [{F, read(F)} || F <- Files],
    [Plain | _] = Cfgs = configs(Enc, Flex),
    %% Versions from the plain configuration, once.
    Versioned = lists:filtermap(
                  fun({F, Bin}) ->
                          case catch (Plain#cfg.mod):version_of(Plain#cfg.ec, Bin) of
                              {ok, V} -> {true, {F, V, Bin}};
                              Err -> skip(Plain#cfg.label, "version_of", F, Err), false
                          end
                  end, Raw),
    Counts = [run_config(C, Versioned, Opts) || C <- Cfgs],
    info("~s: ~w files, ~w decoded by megaco", [Enc, length(Files), hd(Counts)]),
    hd(Counts).

run_config(#cfg{label = Label, mod = Mod, ec = EC} = Cfg, Versioned, Opts) ->
    %% Decode and re-encode each message once (also loads and warms the code).
    Decoded = lists:filtermap(
                fun({F, V, Bin}) ->
                        case catch Mod:decode_message(EC, V, Bin) of
                            {ok, Rec} -> {true, {F, V, Bin, Rec}};
                            Err -> skip(Label, "decode", F, Err), false
                        end
                end, Versioned),
    Encodable = lists:filtermap(
                  fun({F, V, _Bin, Rec}) ->
                          case catch Mod:encode_message(EC, V, Rec) of
                              {ok, Out} when is_binary(Out) -> {true, {V, Rec}};
                              Err -> skip(Label, "encode", F, Err), false
                          end
                  end, [D || Cfg#cfg.encode, D <- Decoded]),
    Secs = maps:get(seconds, Opts),
    Dir = maps:get(direction, Opts),
    Inputs = [{V, B} || {_, V, B, _} <- Decoded],
    Cfg#cfg.decode andalso Dir =/= encode andalso Decoded =/= [] andalso
        report(Label, "decode",
               case maps:get(method, Opts) of
                   passes ->
                       measure(Secs, length(Decoded),
                               fun() -> decode_pass(Mod, EC, Inputs, 0) end);
                   each ->
                       each(Secs, Inputs, fun(In) -> decode_pass(Mod, EC, [In], 0) end)
               end),
    Cfg#cfg.encode andalso Dir =/= decode andalso Encodable =/= [] andalso
        report(Label, "encode",
               case maps:get(method, Opts) of
                   passes ->
                       measure(Secs, length(Encodable),
                               fun() -> encode_pass(Mod, EC, Encodable, 0) end);
                   each ->
                       each(Secs, Encodable, fun(In) -> encode_pass(Mod, EC, [In], 0) end)
               end),
    length(Decoded).

skip(Label, What, File, Err) ->
    info("skipping ~s (~s ~s failed): ~s",
         [File, Label, What, io_lib:print(Err, 1, 1000000, 12)]).

%%% The measured loops

decode_pass(_Mod, _EC, [], Bytes) -> Bytes;
decode_pass(Mod, EC, [{V, Bin} | Rest], Bytes) ->
    {ok, _} = Mod:decode_message(EC, V, Bin),
    decode_pass(Mod, EC, Rest, Bytes + byte_size(Bin)).

encode_pass(_Mod, _EC, [], Bytes) -> Bytes;
encode_pass(Mod, EC, [{V, Rec} | Rest], Bytes) ->
    {ok, Out} = Mod:encode_message(EC, V, Rec),
    encode_pass(Mod, EC, Rest, Bytes + byte_size(Out)).

%% Whole passes until Secs have gone by, in a fresh process (its own heap, as OTP's meas
%% tool does). Returns {Messages, Bytes, Nanoseconds}.
measure(Secs, PerPass, Pass) ->
    Limit = round(Secs * 1.0e9),
    {Pid, Ref} = spawn_monitor(
                   fun() ->
                           Start = erlang:monotonic_time(nanosecond),
                           exit({result, loop(Pass, PerPass, Start, Limit, 0, 0)})
                   end),
    receive
        {'DOWN', Ref, process, Pid, {result, R}} -> R;
        {'DOWN', Ref, process, Pid, Why} -> fail(1, "measurement crashed: ~P", [Why, 20])
    end.

%% Every item alone: one warm-up call, then its own loop for Secs / N seconds in a fresh
%% process. Returns {N, Bytes of one call each, summed, the mean time per call times N}, so
%% that report/3 prints 1 / (mean time per message), as OTP's meas tool averages them.
each(Secs, Items, One) ->
    PerItem = Secs / length(Items),
    lists:foldl(
      fun(Item, {Msgs, Bytes, Ns}) ->
              _ = One(Item),
              {M, B, T} = measure(PerItem, 1, fun() -> One(Item) end),
              {Msgs + 1, Bytes + B div M, Ns + T / M}
      end, {0, 0, 0.0}, Items).

loop(Pass, PerPass, Start, Limit, Msgs, Bytes) ->
    Now = erlang:monotonic_time(nanosecond),
    case Msgs > 0 andalso Now - Start >= Limit of
        true -> {Msgs, Bytes, Now - Start};
        false -> loop(Pass, PerPass, Start, Limit, Msgs + PerPass, Bytes + Pass())
    end.

report(Label, Direction, {Msgs, Bytes, Ns}) ->
    Secs = Ns / 1.0e9,
    io:format("~s ~s ~w msgs/s ~.3f us/msg ~.1f MB/s~n",
              [Label, Direction, round(Msgs / Secs), Secs * 1.0e6 / Msgs, Bytes / Secs / 1.0e6]).

%%% Helpers

read(File) ->
    case file:read_file(File) of
        {ok, Bin} -> Bin;
        {error, E} -> fail(2, "~s: ~p", [File, E])
    end.

info(Fmt, Args) -> io:format(standard_error, "megaco-codec: " ++ Fmt ++ "~n", Args).

fail(Status, Fmt, Args) ->
    info(Fmt, Args),
    halt(Status).
