# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_alexander_global_optspecs
    string join \n data= config= master-key-file= log-format= chunking-min-kib= chunking-avg-kib= chunking-max-kib= gc-grace-period-secs= h/help V/version
end

function __fish_alexander_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_alexander_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_alexander_using_subcommand
    set -l cmd (__fish_alexander_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c alexander -n "__fish_alexander_needs_command" -l data -d 'Directory of the store [default: data_dir from the config file, else ./data]' -r -F
complete -c alexander -n "__fish_alexander_needs_command" -l config -d 'Read settings from this TOML file' -r -F
complete -c alexander -n "__fish_alexander_needs_command" -l master-key-file -d 'File holding the master key [config: master_key_file; default: DIR/master.key]' -r -F
complete -c alexander -n "__fish_alexander_needs_command" -l log-format -d 'Format of log lines on standard error (set RUST_LOG to change what is logged)' -r -f -a "human\t'Readable lines'
json\t'One JSON object per line'"
complete -c alexander -n "__fish_alexander_needs_command" -l chunking-min-kib -d 'Smallest chunk, in KiB [config: chunking.min_kib; default: 16]' -r
complete -c alexander -n "__fish_alexander_needs_command" -l chunking-avg-kib -d 'Average chunk, in KiB [config: chunking.avg_kib; default: 64]' -r
complete -c alexander -n "__fish_alexander_needs_command" -l chunking-max-kib -d 'Largest chunk, in KiB [config: chunking.max_kib; default: 256]' -r
complete -c alexander -n "__fish_alexander_needs_command" -l gc-grace-period-secs -d 'Seconds a chunk nothing references is kept before gc frees it [config: gc.grace_period_secs; default: 60]' -r
complete -c alexander -n "__fish_alexander_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c alexander -n "__fish_alexander_needs_command" -s V -l version -d 'Print version'
complete -c alexander -n "__fish_alexander_needs_command" -f -a "serve" -d 'Serve the store over S3 until SIGINT or SIGTERM'
complete -c alexander -n "__fish_alexander_needs_command" -f -a "user" -d 'Add, list and remove users, who own buckets and hold access keys'
complete -c alexander -n "__fish_alexander_needs_command" -f -a "key" -d 'Create, list, disable, enable and remove users\' S3 access keys'
complete -c alexander -n "__fish_alexander_needs_command" -f -a "bucket" -d 'Create, list and delete buckets, and show or set their versioning'
complete -c alexander -n "__fish_alexander_needs_command" -f -a "put" -d 'Store an object, reading it from a file or from standard input'
complete -c alexander -n "__fish_alexander_needs_command" -f -a "get" -d 'Write an object (or a version, a snapshot\'s view or a byte range of it) to standard output'
complete -c alexander -n "__fish_alexander_needs_command" -f -a "ls" -d 'List a bucket\'s objects, or all their versions'
complete -c alexander -n "__fish_alexander_needs_command" -f -a "rm" -d 'Delete an object, or one version of it'
complete -c alexander -n "__fish_alexander_needs_command" -f -a "mv" -d 'Rename an object within its bucket, without copying its data'
complete -c alexander -n "__fish_alexander_needs_command" -f -a "snapshot" -d 'Take, list and delete snapshots of a bucket'
complete -c alexander -n "__fish_alexander_needs_command" -f -a "stats" -d 'Show how much the store holds and how well it deduplicates'
complete -c alexander -n "__fish_alexander_needs_command" -f -a "gc" -d 'Free chunks that nothing has referenced for longer than the grace period'
complete -c alexander -n "__fish_alexander_needs_command" -f -a "compact" -d 'Rewrite pack files that are mostly dead space, and remove the empty ones'
complete -c alexander -n "__fish_alexander_needs_command" -f -a "fsck" -d 'Check the store\'s metadata, and with --verify-data its data'
complete -c alexander -n "__fish_alexander_needs_command" -f -a "scrub" -d 'Read every stored chunk back and check it against its SHA-256 id'
complete -c alexander -n "__fish_alexander_needs_command" -f -a "lifecycle" -d 'Apply the buckets\' lifecycle rules'
complete -c alexander -n "__fish_alexander_needs_command" -f -a "generate" -d 'Print a generated file to standard output: the man page, or shell completions'
complete -c alexander -n "__fish_alexander_using_subcommand serve" -l listen -d 'Address to serve S3 on, HOST:PORT [config: s3.listen; default: 127.0.0.1:9000]' -r
complete -c alexander -n "__fish_alexander_using_subcommand serve" -l region -d 'Region that clients sign their requests for [config: s3.region; default: us-east-1]' -r
complete -c alexander -n "__fish_alexander_using_subcommand serve" -l vhost-domain -d 'Domain for virtual-host-style requests (BUCKET.DOMAIN) [config: s3.vhost_domain]' -r
complete -c alexander -n "__fish_alexander_using_subcommand serve" -l drain-timeout-secs -d 'Seconds that requests in flight may take to finish once the server is told to stop [config: s3.drain_timeout_secs; default: 30]' -r
complete -c alexander -n "__fish_alexander_using_subcommand serve" -l metrics-token -d 'Token that scrapes of GET /metrics must carry as `Authorization: Bearer TOKEN` [config: s3.metrics_token]' -r
complete -c alexander -n "__fish_alexander_using_subcommand serve" -l access-log -d 'One log line per request (target alexander::access, level info) [config: s3.access_log; default: on]' -r -f -a "on\t''
off\t''"
complete -c alexander -n "__fish_alexander_using_subcommand serve" -l mount -d 'Also mount the store at DIR (created if missing): every bucket is a directory there' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand serve" -l mount-cache-secs -d 'Seconds the kernel may cache names and attributes of the mount [default: 1]' -r
complete -c alexander -n "__fish_alexander_using_subcommand serve" -l bucket -d 'Mount only bucket NAME, as the mount\'s root (created if missing)' -r
complete -c alexander -n "__fish_alexander_using_subcommand serve" -l mount-uid -d 'Owner shown in the mount for objects that carry none (written over S3) [default: the server\'s user]' -r
complete -c alexander -n "__fish_alexander_using_subcommand serve" -l mount-gid -d 'Group shown in the mount for objects that carry none [default: the server\'s group]' -r
complete -c alexander -n "__fish_alexander_using_subcommand serve" -l mount-user -d 'The S3 user the mount acts as [config: mount.user; default: root]' -r
complete -c alexander -n "__fish_alexander_using_subcommand serve" -l max-header-bytes -d 'Largest request line and headers of a request [config: s3.limits.max_header_bytes; default: 64KiB]' -r
complete -c alexander -n "__fish_alexander_using_subcommand serve" -l max-user-metadata-bytes -d 'Largest user metadata of an object (names and values of x-amz-meta-*) [config: s3.limits.max_user_metadata_bytes; default: 2KiB]' -r
complete -c alexander -n "__fish_alexander_using_subcommand serve" -l max-xml-bytes -d 'Largest XML request body [config: s3.limits.max_xml_bytes; default: 1MiB]' -r
complete -c alexander -n "__fish_alexander_using_subcommand serve" -l max-parts -d 'Most parts of a multipart upload, at most 10000 [config: s3.limits.max_parts; default: 10000]' -r
complete -c alexander -n "__fish_alexander_using_subcommand serve" -l min-part-size -d 'Smallest part of a multipart upload but the last [config: s3.limits.min_part_size; default: 5MiB]' -r
complete -c alexander -n "__fish_alexander_using_subcommand serve" -l max-part-size -d 'Largest part of a multipart upload [config: s3.limits.max_part_size; default: 5GiB]' -r
complete -c alexander -n "__fish_alexander_using_subcommand serve" -l max-put-size -d 'Largest object stored by a single PUT [config: s3.limits.max_put_size; default: 5GiB]' -r
complete -c alexander -n "__fish_alexander_using_subcommand serve" -l max-delete-keys -d 'Most keys in one DeleteObjects request [config: s3.limits.max_delete_keys; default: 1000]' -r
complete -c alexander -n "__fish_alexander_using_subcommand serve" -l header-timeout-secs -d 'Seconds a client has to send a whole request head, from the moment it connects or its previous response ends; 0: no limit [config: s3.limits.header_timeout_secs; default: 30]' -r
complete -c alexander -n "__fish_alexander_using_subcommand serve" -l idle-timeout-secs -d 'Seconds a keep-alive connection may sit idle between requests; 0: no limit [config: s3.limits.idle_timeout_secs; default: 60]' -r
complete -c alexander -n "__fish_alexander_using_subcommand serve" -l stall-timeout-secs -d 'Seconds a request body may go without a byte arriving, or a response without the client taking a byte, before the request is aborted; 0: no limit [config: s3.limits.stall_timeout_secs; default: 60]' -r
complete -c alexander -n "__fish_alexander_using_subcommand serve" -l max-connections -d 'Most connections open at once; further ones wait in the listen backlog, unaccepted [config: s3.limits.max_connections; default: 4096]' -r
complete -c alexander -n "__fish_alexander_using_subcommand serve" -l requests-per-sec -d 'Requests per second each client may sustain; 0: no rate limit [config: s3.limits.requests_per_sec; default: 0]' -r
complete -c alexander -n "__fish_alexander_using_subcommand serve" -l request-burst -d 'Requests a client may make in one burst, the size of its token bucket (see --requests-per-sec) [config: s3.limits.request_burst; default: the rate]' -r
complete -c alexander -n "__fish_alexander_using_subcommand serve" -l max-concurrent-requests -d 'Requests of one client in flight at once (see --requests-per-sec); 0: no bound [config: s3.limits.max_concurrent_requests; default: 0]' -r
complete -c alexander -n "__fish_alexander_using_subcommand serve" -l data -d 'Directory of the store [default: data_dir from the config file, else ./data]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand serve" -l config -d 'Read settings from this TOML file' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand serve" -l master-key-file -d 'File holding the master key [config: master_key_file; default: DIR/master.key]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand serve" -l log-format -d 'Format of log lines on standard error (set RUST_LOG to change what is logged)' -r -f -a "human\t'Readable lines'
json\t'One JSON object per line'"
complete -c alexander -n "__fish_alexander_using_subcommand serve" -l chunking-min-kib -d 'Smallest chunk, in KiB [config: chunking.min_kib; default: 16]' -r
complete -c alexander -n "__fish_alexander_using_subcommand serve" -l chunking-avg-kib -d 'Average chunk, in KiB [config: chunking.avg_kib; default: 64]' -r
complete -c alexander -n "__fish_alexander_using_subcommand serve" -l chunking-max-kib -d 'Largest chunk, in KiB [config: chunking.max_kib; default: 256]' -r
complete -c alexander -n "__fish_alexander_using_subcommand serve" -l gc-grace-period-secs -d 'Seconds a chunk nothing references is kept before gc frees it [config: gc.grace_period_secs; default: 60]' -r
complete -c alexander -n "__fish_alexander_using_subcommand serve" -l read-only -d 'Mount read-only: every change through the mount fails with EROFS'
complete -c alexander -n "__fish_alexander_using_subcommand serve" -l allow-other -d 'Let other users reach the mount (the kernel then checks permissions)'
complete -c alexander -n "__fish_alexander_using_subcommand serve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c alexander -n "__fish_alexander_using_subcommand user; and not __fish_seen_subcommand_from add list remove disable enable" -l data -d 'Directory of the store [default: data_dir from the config file, else ./data]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand user; and not __fish_seen_subcommand_from add list remove disable enable" -l config -d 'Read settings from this TOML file' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand user; and not __fish_seen_subcommand_from add list remove disable enable" -l master-key-file -d 'File holding the master key [config: master_key_file; default: DIR/master.key]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand user; and not __fish_seen_subcommand_from add list remove disable enable" -l log-format -d 'Format of log lines on standard error (set RUST_LOG to change what is logged)' -r -f -a "human\t'Readable lines'
json\t'One JSON object per line'"
complete -c alexander -n "__fish_alexander_using_subcommand user; and not __fish_seen_subcommand_from add list remove disable enable" -l chunking-min-kib -d 'Smallest chunk, in KiB [config: chunking.min_kib; default: 16]' -r
complete -c alexander -n "__fish_alexander_using_subcommand user; and not __fish_seen_subcommand_from add list remove disable enable" -l chunking-avg-kib -d 'Average chunk, in KiB [config: chunking.avg_kib; default: 64]' -r
complete -c alexander -n "__fish_alexander_using_subcommand user; and not __fish_seen_subcommand_from add list remove disable enable" -l chunking-max-kib -d 'Largest chunk, in KiB [config: chunking.max_kib; default: 256]' -r
complete -c alexander -n "__fish_alexander_using_subcommand user; and not __fish_seen_subcommand_from add list remove disable enable" -l gc-grace-period-secs -d 'Seconds a chunk nothing references is kept before gc frees it [config: gc.grace_period_secs; default: 60]' -r
complete -c alexander -n "__fish_alexander_using_subcommand user; and not __fish_seen_subcommand_from add list remove disable enable" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c alexander -n "__fish_alexander_using_subcommand user; and not __fish_seen_subcommand_from add list remove disable enable" -f -a "add" -d 'Add a user; `alexander key create NAME` then gives it an access key'
complete -c alexander -n "__fish_alexander_using_subcommand user; and not __fish_seen_subcommand_from add list remove disable enable" -f -a "list" -d 'List the users: creation time (UTC), state and name'
complete -c alexander -n "__fish_alexander_using_subcommand user; and not __fish_seen_subcommand_from add list remove disable enable" -f -a "remove" -d 'Remove a user and its access keys; a user that still owns buckets stays'
complete -c alexander -n "__fish_alexander_using_subcommand user; and not __fish_seen_subcommand_from add list remove disable enable" -f -a "disable" -d 'Disable a user: every request signed with any of its access keys is refused'
complete -c alexander -n "__fish_alexander_using_subcommand user; and not __fish_seen_subcommand_from add list remove disable enable" -f -a "enable" -d 'Enable a disabled user again'
complete -c alexander -n "__fish_alexander_using_subcommand user; and __fish_seen_subcommand_from add" -l data -d 'Directory of the store [default: data_dir from the config file, else ./data]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand user; and __fish_seen_subcommand_from add" -l config -d 'Read settings from this TOML file' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand user; and __fish_seen_subcommand_from add" -l master-key-file -d 'File holding the master key [config: master_key_file; default: DIR/master.key]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand user; and __fish_seen_subcommand_from add" -l log-format -d 'Format of log lines on standard error (set RUST_LOG to change what is logged)' -r -f -a "human\t'Readable lines'
json\t'One JSON object per line'"
complete -c alexander -n "__fish_alexander_using_subcommand user; and __fish_seen_subcommand_from add" -l chunking-min-kib -d 'Smallest chunk, in KiB [config: chunking.min_kib; default: 16]' -r
complete -c alexander -n "__fish_alexander_using_subcommand user; and __fish_seen_subcommand_from add" -l chunking-avg-kib -d 'Average chunk, in KiB [config: chunking.avg_kib; default: 64]' -r
complete -c alexander -n "__fish_alexander_using_subcommand user; and __fish_seen_subcommand_from add" -l chunking-max-kib -d 'Largest chunk, in KiB [config: chunking.max_kib; default: 256]' -r
complete -c alexander -n "__fish_alexander_using_subcommand user; and __fish_seen_subcommand_from add" -l gc-grace-period-secs -d 'Seconds a chunk nothing references is kept before gc frees it [config: gc.grace_period_secs; default: 60]' -r
complete -c alexander -n "__fish_alexander_using_subcommand user; and __fish_seen_subcommand_from add" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c alexander -n "__fish_alexander_using_subcommand user; and __fish_seen_subcommand_from list" -l data -d 'Directory of the store [default: data_dir from the config file, else ./data]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand user; and __fish_seen_subcommand_from list" -l config -d 'Read settings from this TOML file' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand user; and __fish_seen_subcommand_from list" -l master-key-file -d 'File holding the master key [config: master_key_file; default: DIR/master.key]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand user; and __fish_seen_subcommand_from list" -l log-format -d 'Format of log lines on standard error (set RUST_LOG to change what is logged)' -r -f -a "human\t'Readable lines'
json\t'One JSON object per line'"
complete -c alexander -n "__fish_alexander_using_subcommand user; and __fish_seen_subcommand_from list" -l chunking-min-kib -d 'Smallest chunk, in KiB [config: chunking.min_kib; default: 16]' -r
complete -c alexander -n "__fish_alexander_using_subcommand user; and __fish_seen_subcommand_from list" -l chunking-avg-kib -d 'Average chunk, in KiB [config: chunking.avg_kib; default: 64]' -r
complete -c alexander -n "__fish_alexander_using_subcommand user; and __fish_seen_subcommand_from list" -l chunking-max-kib -d 'Largest chunk, in KiB [config: chunking.max_kib; default: 256]' -r
complete -c alexander -n "__fish_alexander_using_subcommand user; and __fish_seen_subcommand_from list" -l gc-grace-period-secs -d 'Seconds a chunk nothing references is kept before gc frees it [config: gc.grace_period_secs; default: 60]' -r
complete -c alexander -n "__fish_alexander_using_subcommand user; and __fish_seen_subcommand_from list" -l json -d 'Print one JSON document instead of text'
complete -c alexander -n "__fish_alexander_using_subcommand user; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c alexander -n "__fish_alexander_using_subcommand user; and __fish_seen_subcommand_from remove" -l data -d 'Directory of the store [default: data_dir from the config file, else ./data]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand user; and __fish_seen_subcommand_from remove" -l config -d 'Read settings from this TOML file' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand user; and __fish_seen_subcommand_from remove" -l master-key-file -d 'File holding the master key [config: master_key_file; default: DIR/master.key]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand user; and __fish_seen_subcommand_from remove" -l log-format -d 'Format of log lines on standard error (set RUST_LOG to change what is logged)' -r -f -a "human\t'Readable lines'
json\t'One JSON object per line'"
complete -c alexander -n "__fish_alexander_using_subcommand user; and __fish_seen_subcommand_from remove" -l chunking-min-kib -d 'Smallest chunk, in KiB [config: chunking.min_kib; default: 16]' -r
complete -c alexander -n "__fish_alexander_using_subcommand user; and __fish_seen_subcommand_from remove" -l chunking-avg-kib -d 'Average chunk, in KiB [config: chunking.avg_kib; default: 64]' -r
complete -c alexander -n "__fish_alexander_using_subcommand user; and __fish_seen_subcommand_from remove" -l chunking-max-kib -d 'Largest chunk, in KiB [config: chunking.max_kib; default: 256]' -r
complete -c alexander -n "__fish_alexander_using_subcommand user; and __fish_seen_subcommand_from remove" -l gc-grace-period-secs -d 'Seconds a chunk nothing references is kept before gc frees it [config: gc.grace_period_secs; default: 60]' -r
complete -c alexander -n "__fish_alexander_using_subcommand user; and __fish_seen_subcommand_from remove" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c alexander -n "__fish_alexander_using_subcommand user; and __fish_seen_subcommand_from disable" -l data -d 'Directory of the store [default: data_dir from the config file, else ./data]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand user; and __fish_seen_subcommand_from disable" -l config -d 'Read settings from this TOML file' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand user; and __fish_seen_subcommand_from disable" -l master-key-file -d 'File holding the master key [config: master_key_file; default: DIR/master.key]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand user; and __fish_seen_subcommand_from disable" -l log-format -d 'Format of log lines on standard error (set RUST_LOG to change what is logged)' -r -f -a "human\t'Readable lines'
json\t'One JSON object per line'"
complete -c alexander -n "__fish_alexander_using_subcommand user; and __fish_seen_subcommand_from disable" -l chunking-min-kib -d 'Smallest chunk, in KiB [config: chunking.min_kib; default: 16]' -r
complete -c alexander -n "__fish_alexander_using_subcommand user; and __fish_seen_subcommand_from disable" -l chunking-avg-kib -d 'Average chunk, in KiB [config: chunking.avg_kib; default: 64]' -r
complete -c alexander -n "__fish_alexander_using_subcommand user; and __fish_seen_subcommand_from disable" -l chunking-max-kib -d 'Largest chunk, in KiB [config: chunking.max_kib; default: 256]' -r
complete -c alexander -n "__fish_alexander_using_subcommand user; and __fish_seen_subcommand_from disable" -l gc-grace-period-secs -d 'Seconds a chunk nothing references is kept before gc frees it [config: gc.grace_period_secs; default: 60]' -r
complete -c alexander -n "__fish_alexander_using_subcommand user; and __fish_seen_subcommand_from disable" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c alexander -n "__fish_alexander_using_subcommand user; and __fish_seen_subcommand_from enable" -l data -d 'Directory of the store [default: data_dir from the config file, else ./data]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand user; and __fish_seen_subcommand_from enable" -l config -d 'Read settings from this TOML file' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand user; and __fish_seen_subcommand_from enable" -l master-key-file -d 'File holding the master key [config: master_key_file; default: DIR/master.key]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand user; and __fish_seen_subcommand_from enable" -l log-format -d 'Format of log lines on standard error (set RUST_LOG to change what is logged)' -r -f -a "human\t'Readable lines'
json\t'One JSON object per line'"
complete -c alexander -n "__fish_alexander_using_subcommand user; and __fish_seen_subcommand_from enable" -l chunking-min-kib -d 'Smallest chunk, in KiB [config: chunking.min_kib; default: 16]' -r
complete -c alexander -n "__fish_alexander_using_subcommand user; and __fish_seen_subcommand_from enable" -l chunking-avg-kib -d 'Average chunk, in KiB [config: chunking.avg_kib; default: 64]' -r
complete -c alexander -n "__fish_alexander_using_subcommand user; and __fish_seen_subcommand_from enable" -l chunking-max-kib -d 'Largest chunk, in KiB [config: chunking.max_kib; default: 256]' -r
complete -c alexander -n "__fish_alexander_using_subcommand user; and __fish_seen_subcommand_from enable" -l gc-grace-period-secs -d 'Seconds a chunk nothing references is kept before gc frees it [config: gc.grace_period_secs; default: 60]' -r
complete -c alexander -n "__fish_alexander_using_subcommand user; and __fish_seen_subcommand_from enable" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c alexander -n "__fish_alexander_using_subcommand key; and not __fish_seen_subcommand_from create list disable enable remove" -l data -d 'Directory of the store [default: data_dir from the config file, else ./data]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand key; and not __fish_seen_subcommand_from create list disable enable remove" -l config -d 'Read settings from this TOML file' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand key; and not __fish_seen_subcommand_from create list disable enable remove" -l master-key-file -d 'File holding the master key [config: master_key_file; default: DIR/master.key]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand key; and not __fish_seen_subcommand_from create list disable enable remove" -l log-format -d 'Format of log lines on standard error (set RUST_LOG to change what is logged)' -r -f -a "human\t'Readable lines'
json\t'One JSON object per line'"
complete -c alexander -n "__fish_alexander_using_subcommand key; and not __fish_seen_subcommand_from create list disable enable remove" -l chunking-min-kib -d 'Smallest chunk, in KiB [config: chunking.min_kib; default: 16]' -r
complete -c alexander -n "__fish_alexander_using_subcommand key; and not __fish_seen_subcommand_from create list disable enable remove" -l chunking-avg-kib -d 'Average chunk, in KiB [config: chunking.avg_kib; default: 64]' -r
complete -c alexander -n "__fish_alexander_using_subcommand key; and not __fish_seen_subcommand_from create list disable enable remove" -l chunking-max-kib -d 'Largest chunk, in KiB [config: chunking.max_kib; default: 256]' -r
complete -c alexander -n "__fish_alexander_using_subcommand key; and not __fish_seen_subcommand_from create list disable enable remove" -l gc-grace-period-secs -d 'Seconds a chunk nothing references is kept before gc frees it [config: gc.grace_period_secs; default: 60]' -r
complete -c alexander -n "__fish_alexander_using_subcommand key; and not __fish_seen_subcommand_from create list disable enable remove" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c alexander -n "__fish_alexander_using_subcommand key; and not __fish_seen_subcommand_from create list disable enable remove" -f -a "create" -d 'Create an access key for a user and print its id and secret'
complete -c alexander -n "__fish_alexander_using_subcommand key; and not __fish_seen_subcommand_from create list disable enable remove" -f -a "list" -d 'List access keys: creation time (UTC), state, user, key id and expiry'
complete -c alexander -n "__fish_alexander_using_subcommand key; and not __fish_seen_subcommand_from create list disable enable remove" -f -a "disable" -d 'Disable an access key: requests signed with it are refused until it is enabled'
complete -c alexander -n "__fish_alexander_using_subcommand key; and not __fish_seen_subcommand_from create list disable enable remove" -f -a "enable" -d 'Enable a disabled access key again'
complete -c alexander -n "__fish_alexander_using_subcommand key; and not __fish_seen_subcommand_from create list disable enable remove" -f -a "remove" -d 'Remove an access key for good'
complete -c alexander -n "__fish_alexander_using_subcommand key; and __fish_seen_subcommand_from create" -l expires -d 'Make the key stop working after a while (30d, 12h, 90m, 3600s) or at a time (RFC 3339, 2027-01-31T00:00:00Z); an expired key is refused like a disabled one' -r
complete -c alexander -n "__fish_alexander_using_subcommand key; and __fish_seen_subcommand_from create" -l data -d 'Directory of the store [default: data_dir from the config file, else ./data]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand key; and __fish_seen_subcommand_from create" -l config -d 'Read settings from this TOML file' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand key; and __fish_seen_subcommand_from create" -l master-key-file -d 'File holding the master key [config: master_key_file; default: DIR/master.key]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand key; and __fish_seen_subcommand_from create" -l log-format -d 'Format of log lines on standard error (set RUST_LOG to change what is logged)' -r -f -a "human\t'Readable lines'
json\t'One JSON object per line'"
complete -c alexander -n "__fish_alexander_using_subcommand key; and __fish_seen_subcommand_from create" -l chunking-min-kib -d 'Smallest chunk, in KiB [config: chunking.min_kib; default: 16]' -r
complete -c alexander -n "__fish_alexander_using_subcommand key; and __fish_seen_subcommand_from create" -l chunking-avg-kib -d 'Average chunk, in KiB [config: chunking.avg_kib; default: 64]' -r
complete -c alexander -n "__fish_alexander_using_subcommand key; and __fish_seen_subcommand_from create" -l chunking-max-kib -d 'Largest chunk, in KiB [config: chunking.max_kib; default: 256]' -r
complete -c alexander -n "__fish_alexander_using_subcommand key; and __fish_seen_subcommand_from create" -l gc-grace-period-secs -d 'Seconds a chunk nothing references is kept before gc frees it [config: gc.grace_period_secs; default: 60]' -r
complete -c alexander -n "__fish_alexander_using_subcommand key; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c alexander -n "__fish_alexander_using_subcommand key; and __fish_seen_subcommand_from list" -l data -d 'Directory of the store [default: data_dir from the config file, else ./data]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand key; and __fish_seen_subcommand_from list" -l config -d 'Read settings from this TOML file' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand key; and __fish_seen_subcommand_from list" -l master-key-file -d 'File holding the master key [config: master_key_file; default: DIR/master.key]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand key; and __fish_seen_subcommand_from list" -l log-format -d 'Format of log lines on standard error (set RUST_LOG to change what is logged)' -r -f -a "human\t'Readable lines'
json\t'One JSON object per line'"
complete -c alexander -n "__fish_alexander_using_subcommand key; and __fish_seen_subcommand_from list" -l chunking-min-kib -d 'Smallest chunk, in KiB [config: chunking.min_kib; default: 16]' -r
complete -c alexander -n "__fish_alexander_using_subcommand key; and __fish_seen_subcommand_from list" -l chunking-avg-kib -d 'Average chunk, in KiB [config: chunking.avg_kib; default: 64]' -r
complete -c alexander -n "__fish_alexander_using_subcommand key; and __fish_seen_subcommand_from list" -l chunking-max-kib -d 'Largest chunk, in KiB [config: chunking.max_kib; default: 256]' -r
complete -c alexander -n "__fish_alexander_using_subcommand key; and __fish_seen_subcommand_from list" -l gc-grace-period-secs -d 'Seconds a chunk nothing references is kept before gc frees it [config: gc.grace_period_secs; default: 60]' -r
complete -c alexander -n "__fish_alexander_using_subcommand key; and __fish_seen_subcommand_from list" -l json -d 'Print one JSON document instead of text'
complete -c alexander -n "__fish_alexander_using_subcommand key; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c alexander -n "__fish_alexander_using_subcommand key; and __fish_seen_subcommand_from disable" -l data -d 'Directory of the store [default: data_dir from the config file, else ./data]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand key; and __fish_seen_subcommand_from disable" -l config -d 'Read settings from this TOML file' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand key; and __fish_seen_subcommand_from disable" -l master-key-file -d 'File holding the master key [config: master_key_file; default: DIR/master.key]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand key; and __fish_seen_subcommand_from disable" -l log-format -d 'Format of log lines on standard error (set RUST_LOG to change what is logged)' -r -f -a "human\t'Readable lines'
json\t'One JSON object per line'"
complete -c alexander -n "__fish_alexander_using_subcommand key; and __fish_seen_subcommand_from disable" -l chunking-min-kib -d 'Smallest chunk, in KiB [config: chunking.min_kib; default: 16]' -r
complete -c alexander -n "__fish_alexander_using_subcommand key; and __fish_seen_subcommand_from disable" -l chunking-avg-kib -d 'Average chunk, in KiB [config: chunking.avg_kib; default: 64]' -r
complete -c alexander -n "__fish_alexander_using_subcommand key; and __fish_seen_subcommand_from disable" -l chunking-max-kib -d 'Largest chunk, in KiB [config: chunking.max_kib; default: 256]' -r
complete -c alexander -n "__fish_alexander_using_subcommand key; and __fish_seen_subcommand_from disable" -l gc-grace-period-secs -d 'Seconds a chunk nothing references is kept before gc frees it [config: gc.grace_period_secs; default: 60]' -r
complete -c alexander -n "__fish_alexander_using_subcommand key; and __fish_seen_subcommand_from disable" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c alexander -n "__fish_alexander_using_subcommand key; and __fish_seen_subcommand_from enable" -l data -d 'Directory of the store [default: data_dir from the config file, else ./data]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand key; and __fish_seen_subcommand_from enable" -l config -d 'Read settings from this TOML file' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand key; and __fish_seen_subcommand_from enable" -l master-key-file -d 'File holding the master key [config: master_key_file; default: DIR/master.key]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand key; and __fish_seen_subcommand_from enable" -l log-format -d 'Format of log lines on standard error (set RUST_LOG to change what is logged)' -r -f -a "human\t'Readable lines'
json\t'One JSON object per line'"
complete -c alexander -n "__fish_alexander_using_subcommand key; and __fish_seen_subcommand_from enable" -l chunking-min-kib -d 'Smallest chunk, in KiB [config: chunking.min_kib; default: 16]' -r
complete -c alexander -n "__fish_alexander_using_subcommand key; and __fish_seen_subcommand_from enable" -l chunking-avg-kib -d 'Average chunk, in KiB [config: chunking.avg_kib; default: 64]' -r
complete -c alexander -n "__fish_alexander_using_subcommand key; and __fish_seen_subcommand_from enable" -l chunking-max-kib -d 'Largest chunk, in KiB [config: chunking.max_kib; default: 256]' -r
complete -c alexander -n "__fish_alexander_using_subcommand key; and __fish_seen_subcommand_from enable" -l gc-grace-period-secs -d 'Seconds a chunk nothing references is kept before gc frees it [config: gc.grace_period_secs; default: 60]' -r
complete -c alexander -n "__fish_alexander_using_subcommand key; and __fish_seen_subcommand_from enable" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c alexander -n "__fish_alexander_using_subcommand key; and __fish_seen_subcommand_from remove" -l data -d 'Directory of the store [default: data_dir from the config file, else ./data]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand key; and __fish_seen_subcommand_from remove" -l config -d 'Read settings from this TOML file' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand key; and __fish_seen_subcommand_from remove" -l master-key-file -d 'File holding the master key [config: master_key_file; default: DIR/master.key]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand key; and __fish_seen_subcommand_from remove" -l log-format -d 'Format of log lines on standard error (set RUST_LOG to change what is logged)' -r -f -a "human\t'Readable lines'
json\t'One JSON object per line'"
complete -c alexander -n "__fish_alexander_using_subcommand key; and __fish_seen_subcommand_from remove" -l chunking-min-kib -d 'Smallest chunk, in KiB [config: chunking.min_kib; default: 16]' -r
complete -c alexander -n "__fish_alexander_using_subcommand key; and __fish_seen_subcommand_from remove" -l chunking-avg-kib -d 'Average chunk, in KiB [config: chunking.avg_kib; default: 64]' -r
complete -c alexander -n "__fish_alexander_using_subcommand key; and __fish_seen_subcommand_from remove" -l chunking-max-kib -d 'Largest chunk, in KiB [config: chunking.max_kib; default: 256]' -r
complete -c alexander -n "__fish_alexander_using_subcommand key; and __fish_seen_subcommand_from remove" -l gc-grace-period-secs -d 'Seconds a chunk nothing references is kept before gc frees it [config: gc.grace_period_secs; default: 60]' -r
complete -c alexander -n "__fish_alexander_using_subcommand key; and __fish_seen_subcommand_from remove" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c alexander -n "__fish_alexander_using_subcommand bucket; and not __fish_seen_subcommand_from create list delete versioning keys" -l data -d 'Directory of the store [default: data_dir from the config file, else ./data]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand bucket; and not __fish_seen_subcommand_from create list delete versioning keys" -l config -d 'Read settings from this TOML file' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand bucket; and not __fish_seen_subcommand_from create list delete versioning keys" -l master-key-file -d 'File holding the master key [config: master_key_file; default: DIR/master.key]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand bucket; and not __fish_seen_subcommand_from create list delete versioning keys" -l log-format -d 'Format of log lines on standard error (set RUST_LOG to change what is logged)' -r -f -a "human\t'Readable lines'
json\t'One JSON object per line'"
complete -c alexander -n "__fish_alexander_using_subcommand bucket; and not __fish_seen_subcommand_from create list delete versioning keys" -l chunking-min-kib -d 'Smallest chunk, in KiB [config: chunking.min_kib; default: 16]' -r
complete -c alexander -n "__fish_alexander_using_subcommand bucket; and not __fish_seen_subcommand_from create list delete versioning keys" -l chunking-avg-kib -d 'Average chunk, in KiB [config: chunking.avg_kib; default: 64]' -r
complete -c alexander -n "__fish_alexander_using_subcommand bucket; and not __fish_seen_subcommand_from create list delete versioning keys" -l chunking-max-kib -d 'Largest chunk, in KiB [config: chunking.max_kib; default: 256]' -r
complete -c alexander -n "__fish_alexander_using_subcommand bucket; and not __fish_seen_subcommand_from create list delete versioning keys" -l gc-grace-period-secs -d 'Seconds a chunk nothing references is kept before gc frees it [config: gc.grace_period_secs; default: 60]' -r
complete -c alexander -n "__fish_alexander_using_subcommand bucket; and not __fish_seen_subcommand_from create list delete versioning keys" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c alexander -n "__fish_alexander_using_subcommand bucket; and not __fish_seen_subcommand_from create list delete versioning keys" -f -a "create" -d 'Create a bucket (this creates the store too, if there is none yet)'
complete -c alexander -n "__fish_alexander_using_subcommand bucket; and not __fish_seen_subcommand_from create list delete versioning keys" -f -a "list" -d 'List the buckets: creation time (UTC), versioning state and name'
complete -c alexander -n "__fish_alexander_using_subcommand bucket; and not __fish_seen_subcommand_from create list delete versioning keys" -f -a "delete" -d 'Delete a bucket, which must hold no objects, versions or uploads'
complete -c alexander -n "__fish_alexander_using_subcommand bucket; and not __fish_seen_subcommand_from create list delete versioning keys" -f -a "versioning" -d 'Show a bucket\'s versioning state, or set it'
complete -c alexander -n "__fish_alexander_using_subcommand bucket; and not __fish_seen_subcommand_from create list delete versioning keys" -f -a "keys" -d 'Show which keys a bucket takes, or set it'
complete -c alexander -n "__fish_alexander_using_subcommand bucket; and __fish_seen_subcommand_from create" -l data -d 'Directory of the store [default: data_dir from the config file, else ./data]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand bucket; and __fish_seen_subcommand_from create" -l config -d 'Read settings from this TOML file' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand bucket; and __fish_seen_subcommand_from create" -l master-key-file -d 'File holding the master key [config: master_key_file; default: DIR/master.key]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand bucket; and __fish_seen_subcommand_from create" -l log-format -d 'Format of log lines on standard error (set RUST_LOG to change what is logged)' -r -f -a "human\t'Readable lines'
json\t'One JSON object per line'"
complete -c alexander -n "__fish_alexander_using_subcommand bucket; and __fish_seen_subcommand_from create" -l chunking-min-kib -d 'Smallest chunk, in KiB [config: chunking.min_kib; default: 16]' -r
complete -c alexander -n "__fish_alexander_using_subcommand bucket; and __fish_seen_subcommand_from create" -l chunking-avg-kib -d 'Average chunk, in KiB [config: chunking.avg_kib; default: 64]' -r
complete -c alexander -n "__fish_alexander_using_subcommand bucket; and __fish_seen_subcommand_from create" -l chunking-max-kib -d 'Largest chunk, in KiB [config: chunking.max_kib; default: 256]' -r
complete -c alexander -n "__fish_alexander_using_subcommand bucket; and __fish_seen_subcommand_from create" -l gc-grace-period-secs -d 'Seconds a chunk nothing references is kept before gc frees it [config: gc.grace_period_secs; default: 60]' -r
complete -c alexander -n "__fish_alexander_using_subcommand bucket; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c alexander -n "__fish_alexander_using_subcommand bucket; and __fish_seen_subcommand_from list" -l data -d 'Directory of the store [default: data_dir from the config file, else ./data]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand bucket; and __fish_seen_subcommand_from list" -l config -d 'Read settings from this TOML file' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand bucket; and __fish_seen_subcommand_from list" -l master-key-file -d 'File holding the master key [config: master_key_file; default: DIR/master.key]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand bucket; and __fish_seen_subcommand_from list" -l log-format -d 'Format of log lines on standard error (set RUST_LOG to change what is logged)' -r -f -a "human\t'Readable lines'
json\t'One JSON object per line'"
complete -c alexander -n "__fish_alexander_using_subcommand bucket; and __fish_seen_subcommand_from list" -l chunking-min-kib -d 'Smallest chunk, in KiB [config: chunking.min_kib; default: 16]' -r
complete -c alexander -n "__fish_alexander_using_subcommand bucket; and __fish_seen_subcommand_from list" -l chunking-avg-kib -d 'Average chunk, in KiB [config: chunking.avg_kib; default: 64]' -r
complete -c alexander -n "__fish_alexander_using_subcommand bucket; and __fish_seen_subcommand_from list" -l chunking-max-kib -d 'Largest chunk, in KiB [config: chunking.max_kib; default: 256]' -r
complete -c alexander -n "__fish_alexander_using_subcommand bucket; and __fish_seen_subcommand_from list" -l gc-grace-period-secs -d 'Seconds a chunk nothing references is kept before gc frees it [config: gc.grace_period_secs; default: 60]' -r
complete -c alexander -n "__fish_alexander_using_subcommand bucket; and __fish_seen_subcommand_from list" -l json -d 'Print one JSON document instead of text'
complete -c alexander -n "__fish_alexander_using_subcommand bucket; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c alexander -n "__fish_alexander_using_subcommand bucket; and __fish_seen_subcommand_from delete" -l data -d 'Directory of the store [default: data_dir from the config file, else ./data]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand bucket; and __fish_seen_subcommand_from delete" -l config -d 'Read settings from this TOML file' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand bucket; and __fish_seen_subcommand_from delete" -l master-key-file -d 'File holding the master key [config: master_key_file; default: DIR/master.key]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand bucket; and __fish_seen_subcommand_from delete" -l log-format -d 'Format of log lines on standard error (set RUST_LOG to change what is logged)' -r -f -a "human\t'Readable lines'
json\t'One JSON object per line'"
complete -c alexander -n "__fish_alexander_using_subcommand bucket; and __fish_seen_subcommand_from delete" -l chunking-min-kib -d 'Smallest chunk, in KiB [config: chunking.min_kib; default: 16]' -r
complete -c alexander -n "__fish_alexander_using_subcommand bucket; and __fish_seen_subcommand_from delete" -l chunking-avg-kib -d 'Average chunk, in KiB [config: chunking.avg_kib; default: 64]' -r
complete -c alexander -n "__fish_alexander_using_subcommand bucket; and __fish_seen_subcommand_from delete" -l chunking-max-kib -d 'Largest chunk, in KiB [config: chunking.max_kib; default: 256]' -r
complete -c alexander -n "__fish_alexander_using_subcommand bucket; and __fish_seen_subcommand_from delete" -l gc-grace-period-secs -d 'Seconds a chunk nothing references is kept before gc frees it [config: gc.grace_period_secs; default: 60]' -r
complete -c alexander -n "__fish_alexander_using_subcommand bucket; and __fish_seen_subcommand_from delete" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c alexander -n "__fish_alexander_using_subcommand bucket; and __fish_seen_subcommand_from versioning" -l data -d 'Directory of the store [default: data_dir from the config file, else ./data]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand bucket; and __fish_seen_subcommand_from versioning" -l config -d 'Read settings from this TOML file' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand bucket; and __fish_seen_subcommand_from versioning" -l master-key-file -d 'File holding the master key [config: master_key_file; default: DIR/master.key]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand bucket; and __fish_seen_subcommand_from versioning" -l log-format -d 'Format of log lines on standard error (set RUST_LOG to change what is logged)' -r -f -a "human\t'Readable lines'
json\t'One JSON object per line'"
complete -c alexander -n "__fish_alexander_using_subcommand bucket; and __fish_seen_subcommand_from versioning" -l chunking-min-kib -d 'Smallest chunk, in KiB [config: chunking.min_kib; default: 16]' -r
complete -c alexander -n "__fish_alexander_using_subcommand bucket; and __fish_seen_subcommand_from versioning" -l chunking-avg-kib -d 'Average chunk, in KiB [config: chunking.avg_kib; default: 64]' -r
complete -c alexander -n "__fish_alexander_using_subcommand bucket; and __fish_seen_subcommand_from versioning" -l chunking-max-kib -d 'Largest chunk, in KiB [config: chunking.max_kib; default: 256]' -r
complete -c alexander -n "__fish_alexander_using_subcommand bucket; and __fish_seen_subcommand_from versioning" -l gc-grace-period-secs -d 'Seconds a chunk nothing references is kept before gc frees it [config: gc.grace_period_secs; default: 60]' -r
complete -c alexander -n "__fish_alexander_using_subcommand bucket; and __fish_seen_subcommand_from versioning" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c alexander -n "__fish_alexander_using_subcommand bucket; and __fish_seen_subcommand_from keys" -l data -d 'Directory of the store [default: data_dir from the config file, else ./data]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand bucket; and __fish_seen_subcommand_from keys" -l config -d 'Read settings from this TOML file' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand bucket; and __fish_seen_subcommand_from keys" -l master-key-file -d 'File holding the master key [config: master_key_file; default: DIR/master.key]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand bucket; and __fish_seen_subcommand_from keys" -l log-format -d 'Format of log lines on standard error (set RUST_LOG to change what is logged)' -r -f -a "human\t'Readable lines'
json\t'One JSON object per line'"
complete -c alexander -n "__fish_alexander_using_subcommand bucket; and __fish_seen_subcommand_from keys" -l chunking-min-kib -d 'Smallest chunk, in KiB [config: chunking.min_kib; default: 16]' -r
complete -c alexander -n "__fish_alexander_using_subcommand bucket; and __fish_seen_subcommand_from keys" -l chunking-avg-kib -d 'Average chunk, in KiB [config: chunking.avg_kib; default: 64]' -r
complete -c alexander -n "__fish_alexander_using_subcommand bucket; and __fish_seen_subcommand_from keys" -l chunking-max-kib -d 'Largest chunk, in KiB [config: chunking.max_kib; default: 256]' -r
complete -c alexander -n "__fish_alexander_using_subcommand bucket; and __fish_seen_subcommand_from keys" -l gc-grace-period-secs -d 'Seconds a chunk nothing references is kept before gc frees it [config: gc.grace_period_secs; default: 60]' -r
complete -c alexander -n "__fish_alexander_using_subcommand bucket; and __fish_seen_subcommand_from keys" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c alexander -n "__fish_alexander_using_subcommand put" -l content-type -d 'Content type to store with the object, as S3 returns it' -r
complete -c alexander -n "__fish_alexander_using_subcommand put" -l data -d 'Directory of the store [default: data_dir from the config file, else ./data]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand put" -l config -d 'Read settings from this TOML file' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand put" -l master-key-file -d 'File holding the master key [config: master_key_file; default: DIR/master.key]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand put" -l log-format -d 'Format of log lines on standard error (set RUST_LOG to change what is logged)' -r -f -a "human\t'Readable lines'
json\t'One JSON object per line'"
complete -c alexander -n "__fish_alexander_using_subcommand put" -l chunking-min-kib -d 'Smallest chunk, in KiB [config: chunking.min_kib; default: 16]' -r
complete -c alexander -n "__fish_alexander_using_subcommand put" -l chunking-avg-kib -d 'Average chunk, in KiB [config: chunking.avg_kib; default: 64]' -r
complete -c alexander -n "__fish_alexander_using_subcommand put" -l chunking-max-kib -d 'Largest chunk, in KiB [config: chunking.max_kib; default: 256]' -r
complete -c alexander -n "__fish_alexander_using_subcommand put" -l gc-grace-period-secs -d 'Seconds a chunk nothing references is kept before gc frees it [config: gc.grace_period_secs; default: 60]' -r
complete -c alexander -n "__fish_alexander_using_subcommand put" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c alexander -n "__fish_alexander_using_subcommand get" -l version -d 'Read this version (as ls --versions shows it) instead of the current one' -r
complete -c alexander -n "__fish_alexander_using_subcommand get" -l snapshot -d 'Read the object as this snapshot of the bucket saw it' -r
complete -c alexander -n "__fish_alexander_using_subcommand get" -l range -d 'Write only these bytes: START-END (both included, counted from 0), START- (to the end) or -N (the last N bytes)' -r
complete -c alexander -n "__fish_alexander_using_subcommand get" -l data -d 'Directory of the store [default: data_dir from the config file, else ./data]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand get" -l config -d 'Read settings from this TOML file' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand get" -l master-key-file -d 'File holding the master key [config: master_key_file; default: DIR/master.key]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand get" -l log-format -d 'Format of log lines on standard error (set RUST_LOG to change what is logged)' -r -f -a "human\t'Readable lines'
json\t'One JSON object per line'"
complete -c alexander -n "__fish_alexander_using_subcommand get" -l chunking-min-kib -d 'Smallest chunk, in KiB [config: chunking.min_kib; default: 16]' -r
complete -c alexander -n "__fish_alexander_using_subcommand get" -l chunking-avg-kib -d 'Average chunk, in KiB [config: chunking.avg_kib; default: 64]' -r
complete -c alexander -n "__fish_alexander_using_subcommand get" -l chunking-max-kib -d 'Largest chunk, in KiB [config: chunking.max_kib; default: 256]' -r
complete -c alexander -n "__fish_alexander_using_subcommand get" -l gc-grace-period-secs -d 'Seconds a chunk nothing references is kept before gc frees it [config: gc.grace_period_secs; default: 60]' -r
complete -c alexander -n "__fish_alexander_using_subcommand get" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c alexander -n "__fish_alexander_using_subcommand ls" -l prefix -d 'List only keys that start with this' -r
complete -c alexander -n "__fish_alexander_using_subcommand ls" -l delimiter -d 'Roll up keys at the first DELIM after the prefix, as S3 does ("/" lists one directory level)' -r
complete -c alexander -n "__fish_alexander_using_subcommand ls" -l snapshot -d 'List the bucket as this snapshot saw it' -r
complete -c alexander -n "__fish_alexander_using_subcommand ls" -l data -d 'Directory of the store [default: data_dir from the config file, else ./data]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand ls" -l config -d 'Read settings from this TOML file' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand ls" -l master-key-file -d 'File holding the master key [config: master_key_file; default: DIR/master.key]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand ls" -l log-format -d 'Format of log lines on standard error (set RUST_LOG to change what is logged)' -r -f -a "human\t'Readable lines'
json\t'One JSON object per line'"
complete -c alexander -n "__fish_alexander_using_subcommand ls" -l chunking-min-kib -d 'Smallest chunk, in KiB [config: chunking.min_kib; default: 16]' -r
complete -c alexander -n "__fish_alexander_using_subcommand ls" -l chunking-avg-kib -d 'Average chunk, in KiB [config: chunking.avg_kib; default: 64]' -r
complete -c alexander -n "__fish_alexander_using_subcommand ls" -l chunking-max-kib -d 'Largest chunk, in KiB [config: chunking.max_kib; default: 256]' -r
complete -c alexander -n "__fish_alexander_using_subcommand ls" -l gc-grace-period-secs -d 'Seconds a chunk nothing references is kept before gc frees it [config: gc.grace_period_secs; default: 60]' -r
complete -c alexander -n "__fish_alexander_using_subcommand ls" -l versions -d 'List every version and delete marker, newest first within each key'
complete -c alexander -n "__fish_alexander_using_subcommand ls" -l json -d 'Print one JSON document instead of text'
complete -c alexander -n "__fish_alexander_using_subcommand ls" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c alexander -n "__fish_alexander_using_subcommand rm" -l version -d 'Delete this version (or delete marker) for good, instead of the current object' -r
complete -c alexander -n "__fish_alexander_using_subcommand rm" -l data -d 'Directory of the store [default: data_dir from the config file, else ./data]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand rm" -l config -d 'Read settings from this TOML file' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand rm" -l master-key-file -d 'File holding the master key [config: master_key_file; default: DIR/master.key]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand rm" -l log-format -d 'Format of log lines on standard error (set RUST_LOG to change what is logged)' -r -f -a "human\t'Readable lines'
json\t'One JSON object per line'"
complete -c alexander -n "__fish_alexander_using_subcommand rm" -l chunking-min-kib -d 'Smallest chunk, in KiB [config: chunking.min_kib; default: 16]' -r
complete -c alexander -n "__fish_alexander_using_subcommand rm" -l chunking-avg-kib -d 'Average chunk, in KiB [config: chunking.avg_kib; default: 64]' -r
complete -c alexander -n "__fish_alexander_using_subcommand rm" -l chunking-max-kib -d 'Largest chunk, in KiB [config: chunking.max_kib; default: 256]' -r
complete -c alexander -n "__fish_alexander_using_subcommand rm" -l gc-grace-period-secs -d 'Seconds a chunk nothing references is kept before gc frees it [config: gc.grace_period_secs; default: 60]' -r
complete -c alexander -n "__fish_alexander_using_subcommand rm" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c alexander -n "__fish_alexander_using_subcommand mv" -l data -d 'Directory of the store [default: data_dir from the config file, else ./data]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand mv" -l config -d 'Read settings from this TOML file' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand mv" -l master-key-file -d 'File holding the master key [config: master_key_file; default: DIR/master.key]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand mv" -l log-format -d 'Format of log lines on standard error (set RUST_LOG to change what is logged)' -r -f -a "human\t'Readable lines'
json\t'One JSON object per line'"
complete -c alexander -n "__fish_alexander_using_subcommand mv" -l chunking-min-kib -d 'Smallest chunk, in KiB [config: chunking.min_kib; default: 16]' -r
complete -c alexander -n "__fish_alexander_using_subcommand mv" -l chunking-avg-kib -d 'Average chunk, in KiB [config: chunking.avg_kib; default: 64]' -r
complete -c alexander -n "__fish_alexander_using_subcommand mv" -l chunking-max-kib -d 'Largest chunk, in KiB [config: chunking.max_kib; default: 256]' -r
complete -c alexander -n "__fish_alexander_using_subcommand mv" -l gc-grace-period-secs -d 'Seconds a chunk nothing references is kept before gc frees it [config: gc.grace_period_secs; default: 60]' -r
complete -c alexander -n "__fish_alexander_using_subcommand mv" -s n -l no-clobber -d 'Fail if an object named TO exists, instead of replacing it'
complete -c alexander -n "__fish_alexander_using_subcommand mv" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c alexander -n "__fish_alexander_using_subcommand snapshot; and not __fish_seen_subcommand_from create list delete schedule" -l data -d 'Directory of the store [default: data_dir from the config file, else ./data]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand snapshot; and not __fish_seen_subcommand_from create list delete schedule" -l config -d 'Read settings from this TOML file' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand snapshot; and not __fish_seen_subcommand_from create list delete schedule" -l master-key-file -d 'File holding the master key [config: master_key_file; default: DIR/master.key]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand snapshot; and not __fish_seen_subcommand_from create list delete schedule" -l log-format -d 'Format of log lines on standard error (set RUST_LOG to change what is logged)' -r -f -a "human\t'Readable lines'
json\t'One JSON object per line'"
complete -c alexander -n "__fish_alexander_using_subcommand snapshot; and not __fish_seen_subcommand_from create list delete schedule" -l chunking-min-kib -d 'Smallest chunk, in KiB [config: chunking.min_kib; default: 16]' -r
complete -c alexander -n "__fish_alexander_using_subcommand snapshot; and not __fish_seen_subcommand_from create list delete schedule" -l chunking-avg-kib -d 'Average chunk, in KiB [config: chunking.avg_kib; default: 64]' -r
complete -c alexander -n "__fish_alexander_using_subcommand snapshot; and not __fish_seen_subcommand_from create list delete schedule" -l chunking-max-kib -d 'Largest chunk, in KiB [config: chunking.max_kib; default: 256]' -r
complete -c alexander -n "__fish_alexander_using_subcommand snapshot; and not __fish_seen_subcommand_from create list delete schedule" -l gc-grace-period-secs -d 'Seconds a chunk nothing references is kept before gc frees it [config: gc.grace_period_secs; default: 60]' -r
complete -c alexander -n "__fish_alexander_using_subcommand snapshot; and not __fish_seen_subcommand_from create list delete schedule" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c alexander -n "__fish_alexander_using_subcommand snapshot; and not __fish_seen_subcommand_from create list delete schedule" -f -a "create" -d 'Take a snapshot of a bucket as it is now'
complete -c alexander -n "__fish_alexander_using_subcommand snapshot; and not __fish_seen_subcommand_from create list delete schedule" -f -a "list" -d 'List a bucket\'s snapshots: creation time (UTC) and name'
complete -c alexander -n "__fish_alexander_using_subcommand snapshot; and not __fish_seen_subcommand_from create list delete schedule" -f -a "delete" -d 'Delete a snapshot, releasing the versions only it still kept'
complete -c alexander -n "__fish_alexander_using_subcommand snapshot; and not __fish_seen_subcommand_from create list delete schedule" -f -a "schedule" -d 'Set, show or remove the schedule on which the server snapshots a bucket'
complete -c alexander -n "__fish_alexander_using_subcommand snapshot; and __fish_seen_subcommand_from create" -l data -d 'Directory of the store [default: data_dir from the config file, else ./data]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand snapshot; and __fish_seen_subcommand_from create" -l config -d 'Read settings from this TOML file' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand snapshot; and __fish_seen_subcommand_from create" -l master-key-file -d 'File holding the master key [config: master_key_file; default: DIR/master.key]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand snapshot; and __fish_seen_subcommand_from create" -l log-format -d 'Format of log lines on standard error (set RUST_LOG to change what is logged)' -r -f -a "human\t'Readable lines'
json\t'One JSON object per line'"
complete -c alexander -n "__fish_alexander_using_subcommand snapshot; and __fish_seen_subcommand_from create" -l chunking-min-kib -d 'Smallest chunk, in KiB [config: chunking.min_kib; default: 16]' -r
complete -c alexander -n "__fish_alexander_using_subcommand snapshot; and __fish_seen_subcommand_from create" -l chunking-avg-kib -d 'Average chunk, in KiB [config: chunking.avg_kib; default: 64]' -r
complete -c alexander -n "__fish_alexander_using_subcommand snapshot; and __fish_seen_subcommand_from create" -l chunking-max-kib -d 'Largest chunk, in KiB [config: chunking.max_kib; default: 256]' -r
complete -c alexander -n "__fish_alexander_using_subcommand snapshot; and __fish_seen_subcommand_from create" -l gc-grace-period-secs -d 'Seconds a chunk nothing references is kept before gc frees it [config: gc.grace_period_secs; default: 60]' -r
complete -c alexander -n "__fish_alexander_using_subcommand snapshot; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c alexander -n "__fish_alexander_using_subcommand snapshot; and __fish_seen_subcommand_from list" -l data -d 'Directory of the store [default: data_dir from the config file, else ./data]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand snapshot; and __fish_seen_subcommand_from list" -l config -d 'Read settings from this TOML file' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand snapshot; and __fish_seen_subcommand_from list" -l master-key-file -d 'File holding the master key [config: master_key_file; default: DIR/master.key]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand snapshot; and __fish_seen_subcommand_from list" -l log-format -d 'Format of log lines on standard error (set RUST_LOG to change what is logged)' -r -f -a "human\t'Readable lines'
json\t'One JSON object per line'"
complete -c alexander -n "__fish_alexander_using_subcommand snapshot; and __fish_seen_subcommand_from list" -l chunking-min-kib -d 'Smallest chunk, in KiB [config: chunking.min_kib; default: 16]' -r
complete -c alexander -n "__fish_alexander_using_subcommand snapshot; and __fish_seen_subcommand_from list" -l chunking-avg-kib -d 'Average chunk, in KiB [config: chunking.avg_kib; default: 64]' -r
complete -c alexander -n "__fish_alexander_using_subcommand snapshot; and __fish_seen_subcommand_from list" -l chunking-max-kib -d 'Largest chunk, in KiB [config: chunking.max_kib; default: 256]' -r
complete -c alexander -n "__fish_alexander_using_subcommand snapshot; and __fish_seen_subcommand_from list" -l gc-grace-period-secs -d 'Seconds a chunk nothing references is kept before gc frees it [config: gc.grace_period_secs; default: 60]' -r
complete -c alexander -n "__fish_alexander_using_subcommand snapshot; and __fish_seen_subcommand_from list" -l json -d 'Print one JSON document instead of text'
complete -c alexander -n "__fish_alexander_using_subcommand snapshot; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c alexander -n "__fish_alexander_using_subcommand snapshot; and __fish_seen_subcommand_from delete" -l data -d 'Directory of the store [default: data_dir from the config file, else ./data]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand snapshot; and __fish_seen_subcommand_from delete" -l config -d 'Read settings from this TOML file' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand snapshot; and __fish_seen_subcommand_from delete" -l master-key-file -d 'File holding the master key [config: master_key_file; default: DIR/master.key]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand snapshot; and __fish_seen_subcommand_from delete" -l log-format -d 'Format of log lines on standard error (set RUST_LOG to change what is logged)' -r -f -a "human\t'Readable lines'
json\t'One JSON object per line'"
complete -c alexander -n "__fish_alexander_using_subcommand snapshot; and __fish_seen_subcommand_from delete" -l chunking-min-kib -d 'Smallest chunk, in KiB [config: chunking.min_kib; default: 16]' -r
complete -c alexander -n "__fish_alexander_using_subcommand snapshot; and __fish_seen_subcommand_from delete" -l chunking-avg-kib -d 'Average chunk, in KiB [config: chunking.avg_kib; default: 64]' -r
complete -c alexander -n "__fish_alexander_using_subcommand snapshot; and __fish_seen_subcommand_from delete" -l chunking-max-kib -d 'Largest chunk, in KiB [config: chunking.max_kib; default: 256]' -r
complete -c alexander -n "__fish_alexander_using_subcommand snapshot; and __fish_seen_subcommand_from delete" -l gc-grace-period-secs -d 'Seconds a chunk nothing references is kept before gc frees it [config: gc.grace_period_secs; default: 60]' -r
complete -c alexander -n "__fish_alexander_using_subcommand snapshot; and __fish_seen_subcommand_from delete" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c alexander -n "__fish_alexander_using_subcommand snapshot; and __fish_seen_subcommand_from schedule" -l data -d 'Directory of the store [default: data_dir from the config file, else ./data]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand snapshot; and __fish_seen_subcommand_from schedule" -l config -d 'Read settings from this TOML file' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand snapshot; and __fish_seen_subcommand_from schedule" -l master-key-file -d 'File holding the master key [config: master_key_file; default: DIR/master.key]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand snapshot; and __fish_seen_subcommand_from schedule" -l log-format -d 'Format of log lines on standard error (set RUST_LOG to change what is logged)' -r -f -a "human\t'Readable lines'
json\t'One JSON object per line'"
complete -c alexander -n "__fish_alexander_using_subcommand snapshot; and __fish_seen_subcommand_from schedule" -l chunking-min-kib -d 'Smallest chunk, in KiB [config: chunking.min_kib; default: 16]' -r
complete -c alexander -n "__fish_alexander_using_subcommand snapshot; and __fish_seen_subcommand_from schedule" -l chunking-avg-kib -d 'Average chunk, in KiB [config: chunking.avg_kib; default: 64]' -r
complete -c alexander -n "__fish_alexander_using_subcommand snapshot; and __fish_seen_subcommand_from schedule" -l chunking-max-kib -d 'Largest chunk, in KiB [config: chunking.max_kib; default: 256]' -r
complete -c alexander -n "__fish_alexander_using_subcommand snapshot; and __fish_seen_subcommand_from schedule" -l gc-grace-period-secs -d 'Seconds a chunk nothing references is kept before gc frees it [config: gc.grace_period_secs; default: 60]' -r
complete -c alexander -n "__fish_alexander_using_subcommand snapshot; and __fish_seen_subcommand_from schedule" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c alexander -n "__fish_alexander_using_subcommand snapshot; and __fish_seen_subcommand_from schedule" -f -a "set" -d 'Snapshot BUCKET every DURATION, keeping what the --keep rules say (one at least)'
complete -c alexander -n "__fish_alexander_using_subcommand snapshot; and __fish_seen_subcommand_from schedule" -f -a "show" -d 'Show the schedule of BUCKET, or of every bucket that has one'
complete -c alexander -n "__fish_alexander_using_subcommand snapshot; and __fish_seen_subcommand_from schedule" -f -a "remove" -d 'Remove BUCKET\'s own schedule (its automatic snapshots stay)'
complete -c alexander -n "__fish_alexander_using_subcommand stats" -l data -d 'Directory of the store [default: data_dir from the config file, else ./data]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand stats" -l config -d 'Read settings from this TOML file' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand stats" -l master-key-file -d 'File holding the master key [config: master_key_file; default: DIR/master.key]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand stats" -l log-format -d 'Format of log lines on standard error (set RUST_LOG to change what is logged)' -r -f -a "human\t'Readable lines'
json\t'One JSON object per line'"
complete -c alexander -n "__fish_alexander_using_subcommand stats" -l chunking-min-kib -d 'Smallest chunk, in KiB [config: chunking.min_kib; default: 16]' -r
complete -c alexander -n "__fish_alexander_using_subcommand stats" -l chunking-avg-kib -d 'Average chunk, in KiB [config: chunking.avg_kib; default: 64]' -r
complete -c alexander -n "__fish_alexander_using_subcommand stats" -l chunking-max-kib -d 'Largest chunk, in KiB [config: chunking.max_kib; default: 256]' -r
complete -c alexander -n "__fish_alexander_using_subcommand stats" -l gc-grace-period-secs -d 'Seconds a chunk nothing references is kept before gc frees it [config: gc.grace_period_secs; default: 60]' -r
complete -c alexander -n "__fish_alexander_using_subcommand stats" -l json -d 'Print one JSON document instead of text'
complete -c alexander -n "__fish_alexander_using_subcommand stats" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c alexander -n "__fish_alexander_using_subcommand gc" -l data -d 'Directory of the store [default: data_dir from the config file, else ./data]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand gc" -l config -d 'Read settings from this TOML file' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand gc" -l master-key-file -d 'File holding the master key [config: master_key_file; default: DIR/master.key]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand gc" -l log-format -d 'Format of log lines on standard error (set RUST_LOG to change what is logged)' -r -f -a "human\t'Readable lines'
json\t'One JSON object per line'"
complete -c alexander -n "__fish_alexander_using_subcommand gc" -l chunking-min-kib -d 'Smallest chunk, in KiB [config: chunking.min_kib; default: 16]' -r
complete -c alexander -n "__fish_alexander_using_subcommand gc" -l chunking-avg-kib -d 'Average chunk, in KiB [config: chunking.avg_kib; default: 64]' -r
complete -c alexander -n "__fish_alexander_using_subcommand gc" -l chunking-max-kib -d 'Largest chunk, in KiB [config: chunking.max_kib; default: 256]' -r
complete -c alexander -n "__fish_alexander_using_subcommand gc" -l gc-grace-period-secs -d 'Seconds a chunk nothing references is kept before gc frees it [config: gc.grace_period_secs; default: 60]' -r
complete -c alexander -n "__fish_alexander_using_subcommand gc" -l dry-run -d 'Report what would be freed, freeing nothing'
complete -c alexander -n "__fish_alexander_using_subcommand gc" -l json -d 'Print one JSON document instead of text'
complete -c alexander -n "__fish_alexander_using_subcommand gc" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c alexander -n "__fish_alexander_using_subcommand compact" -l data -d 'Directory of the store [default: data_dir from the config file, else ./data]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand compact" -l config -d 'Read settings from this TOML file' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand compact" -l master-key-file -d 'File holding the master key [config: master_key_file; default: DIR/master.key]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand compact" -l log-format -d 'Format of log lines on standard error (set RUST_LOG to change what is logged)' -r -f -a "human\t'Readable lines'
json\t'One JSON object per line'"
complete -c alexander -n "__fish_alexander_using_subcommand compact" -l chunking-min-kib -d 'Smallest chunk, in KiB [config: chunking.min_kib; default: 16]' -r
complete -c alexander -n "__fish_alexander_using_subcommand compact" -l chunking-avg-kib -d 'Average chunk, in KiB [config: chunking.avg_kib; default: 64]' -r
complete -c alexander -n "__fish_alexander_using_subcommand compact" -l chunking-max-kib -d 'Largest chunk, in KiB [config: chunking.max_kib; default: 256]' -r
complete -c alexander -n "__fish_alexander_using_subcommand compact" -l gc-grace-period-secs -d 'Seconds a chunk nothing references is kept before gc frees it [config: gc.grace_period_secs; default: 60]' -r
complete -c alexander -n "__fish_alexander_using_subcommand compact" -l json -d 'Print one JSON document instead of text'
complete -c alexander -n "__fish_alexander_using_subcommand compact" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c alexander -n "__fish_alexander_using_subcommand fsck" -l data -d 'Directory of the store [default: data_dir from the config file, else ./data]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand fsck" -l config -d 'Read settings from this TOML file' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand fsck" -l master-key-file -d 'File holding the master key [config: master_key_file; default: DIR/master.key]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand fsck" -l log-format -d 'Format of log lines on standard error (set RUST_LOG to change what is logged)' -r -f -a "human\t'Readable lines'
json\t'One JSON object per line'"
complete -c alexander -n "__fish_alexander_using_subcommand fsck" -l chunking-min-kib -d 'Smallest chunk, in KiB [config: chunking.min_kib; default: 16]' -r
complete -c alexander -n "__fish_alexander_using_subcommand fsck" -l chunking-avg-kib -d 'Average chunk, in KiB [config: chunking.avg_kib; default: 64]' -r
complete -c alexander -n "__fish_alexander_using_subcommand fsck" -l chunking-max-kib -d 'Largest chunk, in KiB [config: chunking.max_kib; default: 256]' -r
complete -c alexander -n "__fish_alexander_using_subcommand fsck" -l gc-grace-period-secs -d 'Seconds a chunk nothing references is kept before gc frees it [config: gc.grace_period_secs; default: 60]' -r
complete -c alexander -n "__fish_alexander_using_subcommand fsck" -l verify-data -d 'Also read every chunk and check its bytes against its SHA-256 id (reads all data)'
complete -c alexander -n "__fish_alexander_using_subcommand fsck" -l json -d 'Print one JSON document instead of text (the exit status still says whether the store is consistent)'
complete -c alexander -n "__fish_alexander_using_subcommand fsck" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c alexander -n "__fish_alexander_using_subcommand scrub" -l max-bytes-per-sec -d 'Read at most this many bytes a second, so that other work keeps the disk (bytes, or a number with KiB, MiB, GiB or TiB) [default: 0, no limit]' -r
complete -c alexander -n "__fish_alexander_using_subcommand scrub" -l data -d 'Directory of the store [default: data_dir from the config file, else ./data]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand scrub" -l config -d 'Read settings from this TOML file' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand scrub" -l master-key-file -d 'File holding the master key [config: master_key_file; default: DIR/master.key]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand scrub" -l log-format -d 'Format of log lines on standard error (set RUST_LOG to change what is logged)' -r -f -a "human\t'Readable lines'
json\t'One JSON object per line'"
complete -c alexander -n "__fish_alexander_using_subcommand scrub" -l chunking-min-kib -d 'Smallest chunk, in KiB [config: chunking.min_kib; default: 16]' -r
complete -c alexander -n "__fish_alexander_using_subcommand scrub" -l chunking-avg-kib -d 'Average chunk, in KiB [config: chunking.avg_kib; default: 64]' -r
complete -c alexander -n "__fish_alexander_using_subcommand scrub" -l chunking-max-kib -d 'Largest chunk, in KiB [config: chunking.max_kib; default: 256]' -r
complete -c alexander -n "__fish_alexander_using_subcommand scrub" -l gc-grace-period-secs -d 'Seconds a chunk nothing references is kept before gc frees it [config: gc.grace_period_secs; default: 60]' -r
complete -c alexander -n "__fish_alexander_using_subcommand scrub" -l json -d 'Print the report as one JSON object instead of text'
complete -c alexander -n "__fish_alexander_using_subcommand scrub" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c alexander -n "__fish_alexander_using_subcommand lifecycle; and not __fish_seen_subcommand_from run" -l data -d 'Directory of the store [default: data_dir from the config file, else ./data]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand lifecycle; and not __fish_seen_subcommand_from run" -l config -d 'Read settings from this TOML file' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand lifecycle; and not __fish_seen_subcommand_from run" -l master-key-file -d 'File holding the master key [config: master_key_file; default: DIR/master.key]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand lifecycle; and not __fish_seen_subcommand_from run" -l log-format -d 'Format of log lines on standard error (set RUST_LOG to change what is logged)' -r -f -a "human\t'Readable lines'
json\t'One JSON object per line'"
complete -c alexander -n "__fish_alexander_using_subcommand lifecycle; and not __fish_seen_subcommand_from run" -l chunking-min-kib -d 'Smallest chunk, in KiB [config: chunking.min_kib; default: 16]' -r
complete -c alexander -n "__fish_alexander_using_subcommand lifecycle; and not __fish_seen_subcommand_from run" -l chunking-avg-kib -d 'Average chunk, in KiB [config: chunking.avg_kib; default: 64]' -r
complete -c alexander -n "__fish_alexander_using_subcommand lifecycle; and not __fish_seen_subcommand_from run" -l chunking-max-kib -d 'Largest chunk, in KiB [config: chunking.max_kib; default: 256]' -r
complete -c alexander -n "__fish_alexander_using_subcommand lifecycle; and not __fish_seen_subcommand_from run" -l gc-grace-period-secs -d 'Seconds a chunk nothing references is kept before gc frees it [config: gc.grace_period_secs; default: 60]' -r
complete -c alexander -n "__fish_alexander_using_subcommand lifecycle; and not __fish_seen_subcommand_from run" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c alexander -n "__fish_alexander_using_subcommand lifecycle; and not __fish_seen_subcommand_from run" -f -a "run" -d 'Apply the lifecycle rules of every bucket (or of BUCKET) now'
complete -c alexander -n "__fish_alexander_using_subcommand lifecycle; and __fish_seen_subcommand_from run" -l at -d 'Evaluate the rules as if it were TIME (RFC 3339, e.g. 2030-01-01T00:00:00Z)' -r
complete -c alexander -n "__fish_alexander_using_subcommand lifecycle; and __fish_seen_subcommand_from run" -l data -d 'Directory of the store [default: data_dir from the config file, else ./data]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand lifecycle; and __fish_seen_subcommand_from run" -l config -d 'Read settings from this TOML file' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand lifecycle; and __fish_seen_subcommand_from run" -l master-key-file -d 'File holding the master key [config: master_key_file; default: DIR/master.key]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand lifecycle; and __fish_seen_subcommand_from run" -l log-format -d 'Format of log lines on standard error (set RUST_LOG to change what is logged)' -r -f -a "human\t'Readable lines'
json\t'One JSON object per line'"
complete -c alexander -n "__fish_alexander_using_subcommand lifecycle; and __fish_seen_subcommand_from run" -l chunking-min-kib -d 'Smallest chunk, in KiB [config: chunking.min_kib; default: 16]' -r
complete -c alexander -n "__fish_alexander_using_subcommand lifecycle; and __fish_seen_subcommand_from run" -l chunking-avg-kib -d 'Average chunk, in KiB [config: chunking.avg_kib; default: 64]' -r
complete -c alexander -n "__fish_alexander_using_subcommand lifecycle; and __fish_seen_subcommand_from run" -l chunking-max-kib -d 'Largest chunk, in KiB [config: chunking.max_kib; default: 256]' -r
complete -c alexander -n "__fish_alexander_using_subcommand lifecycle; and __fish_seen_subcommand_from run" -l gc-grace-period-secs -d 'Seconds a chunk nothing references is kept before gc frees it [config: gc.grace_period_secs; default: 60]' -r
complete -c alexander -n "__fish_alexander_using_subcommand lifecycle; and __fish_seen_subcommand_from run" -l dry-run -d 'Print what is due without changing anything'
complete -c alexander -n "__fish_alexander_using_subcommand lifecycle; and __fish_seen_subcommand_from run" -l json -d 'Print the report as one JSON document'
complete -c alexander -n "__fish_alexander_using_subcommand lifecycle; and __fish_seen_subcommand_from run" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c alexander -n "__fish_alexander_using_subcommand generate; and not __fish_seen_subcommand_from man completions" -l data -d 'Directory of the store [default: data_dir from the config file, else ./data]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand generate; and not __fish_seen_subcommand_from man completions" -l config -d 'Read settings from this TOML file' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand generate; and not __fish_seen_subcommand_from man completions" -l master-key-file -d 'File holding the master key [config: master_key_file; default: DIR/master.key]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand generate; and not __fish_seen_subcommand_from man completions" -l log-format -d 'Format of log lines on standard error (set RUST_LOG to change what is logged)' -r -f -a "human\t'Readable lines'
json\t'One JSON object per line'"
complete -c alexander -n "__fish_alexander_using_subcommand generate; and not __fish_seen_subcommand_from man completions" -l chunking-min-kib -d 'Smallest chunk, in KiB [config: chunking.min_kib; default: 16]' -r
complete -c alexander -n "__fish_alexander_using_subcommand generate; and not __fish_seen_subcommand_from man completions" -l chunking-avg-kib -d 'Average chunk, in KiB [config: chunking.avg_kib; default: 64]' -r
complete -c alexander -n "__fish_alexander_using_subcommand generate; and not __fish_seen_subcommand_from man completions" -l chunking-max-kib -d 'Largest chunk, in KiB [config: chunking.max_kib; default: 256]' -r
complete -c alexander -n "__fish_alexander_using_subcommand generate; and not __fish_seen_subcommand_from man completions" -l gc-grace-period-secs -d 'Seconds a chunk nothing references is kept before gc frees it [config: gc.grace_period_secs; default: 60]' -r
complete -c alexander -n "__fish_alexander_using_subcommand generate; and not __fish_seen_subcommand_from man completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c alexander -n "__fish_alexander_using_subcommand generate; and not __fish_seen_subcommand_from man completions" -f -a "man" -d 'The man page, alexander(1), in roff'
complete -c alexander -n "__fish_alexander_using_subcommand generate; and not __fish_seen_subcommand_from man completions" -f -a "completions" -d 'Completions of commands, options and values for a shell'
complete -c alexander -n "__fish_alexander_using_subcommand generate; and __fish_seen_subcommand_from man" -l data -d 'Directory of the store [default: data_dir from the config file, else ./data]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand generate; and __fish_seen_subcommand_from man" -l config -d 'Read settings from this TOML file' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand generate; and __fish_seen_subcommand_from man" -l master-key-file -d 'File holding the master key [config: master_key_file; default: DIR/master.key]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand generate; and __fish_seen_subcommand_from man" -l log-format -d 'Format of log lines on standard error (set RUST_LOG to change what is logged)' -r -f -a "human\t'Readable lines'
json\t'One JSON object per line'"
complete -c alexander -n "__fish_alexander_using_subcommand generate; and __fish_seen_subcommand_from man" -l chunking-min-kib -d 'Smallest chunk, in KiB [config: chunking.min_kib; default: 16]' -r
complete -c alexander -n "__fish_alexander_using_subcommand generate; and __fish_seen_subcommand_from man" -l chunking-avg-kib -d 'Average chunk, in KiB [config: chunking.avg_kib; default: 64]' -r
complete -c alexander -n "__fish_alexander_using_subcommand generate; and __fish_seen_subcommand_from man" -l chunking-max-kib -d 'Largest chunk, in KiB [config: chunking.max_kib; default: 256]' -r
complete -c alexander -n "__fish_alexander_using_subcommand generate; and __fish_seen_subcommand_from man" -l gc-grace-period-secs -d 'Seconds a chunk nothing references is kept before gc frees it [config: gc.grace_period_secs; default: 60]' -r
complete -c alexander -n "__fish_alexander_using_subcommand generate; and __fish_seen_subcommand_from man" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c alexander -n "__fish_alexander_using_subcommand generate; and __fish_seen_subcommand_from completions" -l data -d 'Directory of the store [default: data_dir from the config file, else ./data]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand generate; and __fish_seen_subcommand_from completions" -l config -d 'Read settings from this TOML file' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand generate; and __fish_seen_subcommand_from completions" -l master-key-file -d 'File holding the master key [config: master_key_file; default: DIR/master.key]' -r -F
complete -c alexander -n "__fish_alexander_using_subcommand generate; and __fish_seen_subcommand_from completions" -l log-format -d 'Format of log lines on standard error (set RUST_LOG to change what is logged)' -r -f -a "human\t'Readable lines'
json\t'One JSON object per line'"
complete -c alexander -n "__fish_alexander_using_subcommand generate; and __fish_seen_subcommand_from completions" -l chunking-min-kib -d 'Smallest chunk, in KiB [config: chunking.min_kib; default: 16]' -r
complete -c alexander -n "__fish_alexander_using_subcommand generate; and __fish_seen_subcommand_from completions" -l chunking-avg-kib -d 'Average chunk, in KiB [config: chunking.avg_kib; default: 64]' -r
complete -c alexander -n "__fish_alexander_using_subcommand generate; and __fish_seen_subcommand_from completions" -l chunking-max-kib -d 'Largest chunk, in KiB [config: chunking.max_kib; default: 256]' -r
complete -c alexander -n "__fish_alexander_using_subcommand generate; and __fish_seen_subcommand_from completions" -l gc-grace-period-secs -d 'Seconds a chunk nothing references is kept before gc frees it [config: gc.grace_period_secs; default: 60]' -r
complete -c alexander -n "__fish_alexander_using_subcommand generate; and __fish_seen_subcommand_from completions" -s h -l help -d 'Print help (see more with \'--help\')'
