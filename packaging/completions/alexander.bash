_alexander() {
    local i cur prev opts cmd
    COMPREPLY=()
    if [[ "${BASH_VERSINFO[0]}" -ge 4 ]]; then
        cur="$2"
    else
        cur="${COMP_WORDS[COMP_CWORD]}"
    fi
    prev="$3"
    cmd=""
    opts=""

    for i in "${COMP_WORDS[@]:0:COMP_CWORD}"
    do
        case "${cmd},${i}" in
            ",$1")
                cmd="alexander"
                ;;
            alexander,bucket)
                cmd="alexander__subcmd__bucket"
                ;;
            alexander,compact)
                cmd="alexander__subcmd__compact"
                ;;
            alexander,fsck)
                cmd="alexander__subcmd__fsck"
                ;;
            alexander,gc)
                cmd="alexander__subcmd__gc"
                ;;
            alexander,generate)
                cmd="alexander__subcmd__generate"
                ;;
            alexander,get)
                cmd="alexander__subcmd__get"
                ;;
            alexander,key)
                cmd="alexander__subcmd__key"
                ;;
            alexander,lifecycle)
                cmd="alexander__subcmd__lifecycle"
                ;;
            alexander,ls)
                cmd="alexander__subcmd__ls"
                ;;
            alexander,mv)
                cmd="alexander__subcmd__mv"
                ;;
            alexander,put)
                cmd="alexander__subcmd__put"
                ;;
            alexander,rm)
                cmd="alexander__subcmd__rm"
                ;;
            alexander,scrub)
                cmd="alexander__subcmd__scrub"
                ;;
            alexander,serve)
                cmd="alexander__subcmd__serve"
                ;;
            alexander,snapshot)
                cmd="alexander__subcmd__snapshot"
                ;;
            alexander,stats)
                cmd="alexander__subcmd__stats"
                ;;
            alexander,user)
                cmd="alexander__subcmd__user"
                ;;
            alexander__subcmd__bucket,create)
                cmd="alexander__subcmd__bucket__subcmd__create"
                ;;
            alexander__subcmd__bucket,delete)
                cmd="alexander__subcmd__bucket__subcmd__delete"
                ;;
            alexander__subcmd__bucket,keys)
                cmd="alexander__subcmd__bucket__subcmd__keys"
                ;;
            alexander__subcmd__bucket,list)
                cmd="alexander__subcmd__bucket__subcmd__list"
                ;;
            alexander__subcmd__bucket,versioning)
                cmd="alexander__subcmd__bucket__subcmd__versioning"
                ;;
            alexander__subcmd__generate,completions)
                cmd="alexander__subcmd__generate__subcmd__completions"
                ;;
            alexander__subcmd__generate,man)
                cmd="alexander__subcmd__generate__subcmd__man"
                ;;
            alexander__subcmd__key,create)
                cmd="alexander__subcmd__key__subcmd__create"
                ;;
            alexander__subcmd__key,disable)
                cmd="alexander__subcmd__key__subcmd__disable"
                ;;
            alexander__subcmd__key,enable)
                cmd="alexander__subcmd__key__subcmd__enable"
                ;;
            alexander__subcmd__key,list)
                cmd="alexander__subcmd__key__subcmd__list"
                ;;
            alexander__subcmd__key,remove)
                cmd="alexander__subcmd__key__subcmd__remove"
                ;;
            alexander__subcmd__lifecycle,run)
                cmd="alexander__subcmd__lifecycle__subcmd__run"
                ;;
            alexander__subcmd__snapshot,create)
                cmd="alexander__subcmd__snapshot__subcmd__create"
                ;;
            alexander__subcmd__snapshot,delete)
                cmd="alexander__subcmd__snapshot__subcmd__delete"
                ;;
            alexander__subcmd__snapshot,list)
                cmd="alexander__subcmd__snapshot__subcmd__list"
                ;;
            alexander__subcmd__snapshot,schedule)
                cmd="alexander__subcmd__snapshot__subcmd__schedule"
                ;;
            alexander__subcmd__snapshot__subcmd__schedule,remove)
                cmd="alexander__subcmd__snapshot__subcmd__schedule__subcmd__remove"
                ;;
            alexander__subcmd__snapshot__subcmd__schedule,set)
                cmd="alexander__subcmd__snapshot__subcmd__schedule__subcmd__set"
                ;;
            alexander__subcmd__snapshot__subcmd__schedule,show)
                cmd="alexander__subcmd__snapshot__subcmd__schedule__subcmd__show"
                ;;
            alexander__subcmd__user,add)
                cmd="alexander__subcmd__user__subcmd__add"
                ;;
            alexander__subcmd__user,disable)
                cmd="alexander__subcmd__user__subcmd__disable"
                ;;
            alexander__subcmd__user,enable)
                cmd="alexander__subcmd__user__subcmd__enable"
                ;;
            alexander__subcmd__user,list)
                cmd="alexander__subcmd__user__subcmd__list"
                ;;
            alexander__subcmd__user,remove)
                cmd="alexander__subcmd__user__subcmd__remove"
                ;;
            *)
                ;;
        esac
    done

    case "${cmd}" in
        alexander)
            opts="-h -V --data --config --master-key-file --log-format --chunking-min-kib --chunking-avg-kib --chunking-max-kib --gc-grace-period-secs --help --version serve user key bucket put get ls rm mv snapshot stats gc compact fsck scrub lifecycle generate"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 1 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --data)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --master-key-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --log-format)
                    COMPREPLY=($(compgen -W "human json" -- "${cur}"))
                    return 0
                    ;;
                --chunking-min-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-avg-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-max-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --gc-grace-period-secs)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        alexander__subcmd__bucket)
            opts="-h --data --config --master-key-file --log-format --chunking-min-kib --chunking-avg-kib --chunking-max-kib --gc-grace-period-secs --help create list delete versioning keys"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --data)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --master-key-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --log-format)
                    COMPREPLY=($(compgen -W "human json" -- "${cur}"))
                    return 0
                    ;;
                --chunking-min-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-avg-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-max-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --gc-grace-period-secs)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        alexander__subcmd__bucket__subcmd__create)
            opts="-h --data --config --master-key-file --log-format --chunking-min-kib --chunking-avg-kib --chunking-max-kib --gc-grace-period-secs --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --data)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --master-key-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --log-format)
                    COMPREPLY=($(compgen -W "human json" -- "${cur}"))
                    return 0
                    ;;
                --chunking-min-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-avg-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-max-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --gc-grace-period-secs)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        alexander__subcmd__bucket__subcmd__delete)
            opts="-h --data --config --master-key-file --log-format --chunking-min-kib --chunking-avg-kib --chunking-max-kib --gc-grace-period-secs --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --data)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --master-key-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --log-format)
                    COMPREPLY=($(compgen -W "human json" -- "${cur}"))
                    return 0
                    ;;
                --chunking-min-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-avg-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-max-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --gc-grace-period-secs)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        alexander__subcmd__bucket__subcmd__keys)
            opts="-h --data --config --master-key-file --log-format --chunking-min-kib --chunking-avg-kib --chunking-max-kib --gc-grace-period-secs --help posix any"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --data)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --master-key-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --log-format)
                    COMPREPLY=($(compgen -W "human json" -- "${cur}"))
                    return 0
                    ;;
                --chunking-min-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-avg-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-max-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --gc-grace-period-secs)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        alexander__subcmd__bucket__subcmd__list)
            opts="-h --json --data --config --master-key-file --log-format --chunking-min-kib --chunking-avg-kib --chunking-max-kib --gc-grace-period-secs --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --data)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --master-key-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --log-format)
                    COMPREPLY=($(compgen -W "human json" -- "${cur}"))
                    return 0
                    ;;
                --chunking-min-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-avg-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-max-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --gc-grace-period-secs)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        alexander__subcmd__bucket__subcmd__versioning)
            opts="-h --data --config --master-key-file --log-format --chunking-min-kib --chunking-avg-kib --chunking-max-kib --gc-grace-period-secs --help enabled suspended"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --data)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --master-key-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --log-format)
                    COMPREPLY=($(compgen -W "human json" -- "${cur}"))
                    return 0
                    ;;
                --chunking-min-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-avg-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-max-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --gc-grace-period-secs)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        alexander__subcmd__compact)
            opts="-h --json --data --config --master-key-file --log-format --chunking-min-kib --chunking-avg-kib --chunking-max-kib --gc-grace-period-secs --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --data)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --master-key-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --log-format)
                    COMPREPLY=($(compgen -W "human json" -- "${cur}"))
                    return 0
                    ;;
                --chunking-min-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-avg-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-max-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --gc-grace-period-secs)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        alexander__subcmd__fsck)
            opts="-h --verify-data --json --data --config --master-key-file --log-format --chunking-min-kib --chunking-avg-kib --chunking-max-kib --gc-grace-period-secs --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --data)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --master-key-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --log-format)
                    COMPREPLY=($(compgen -W "human json" -- "${cur}"))
                    return 0
                    ;;
                --chunking-min-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-avg-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-max-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --gc-grace-period-secs)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        alexander__subcmd__gc)
            opts="-h --dry-run --json --data --config --master-key-file --log-format --chunking-min-kib --chunking-avg-kib --chunking-max-kib --gc-grace-period-secs --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --data)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --master-key-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --log-format)
                    COMPREPLY=($(compgen -W "human json" -- "${cur}"))
                    return 0
                    ;;
                --chunking-min-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-avg-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-max-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --gc-grace-period-secs)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        alexander__subcmd__generate)
            opts="-h --data --config --master-key-file --log-format --chunking-min-kib --chunking-avg-kib --chunking-max-kib --gc-grace-period-secs --help man completions"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --data)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --master-key-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --log-format)
                    COMPREPLY=($(compgen -W "human json" -- "${cur}"))
                    return 0
                    ;;
                --chunking-min-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-avg-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-max-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --gc-grace-period-secs)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        alexander__subcmd__generate__subcmd__completions)
            opts="-h --data --config --master-key-file --log-format --chunking-min-kib --chunking-avg-kib --chunking-max-kib --gc-grace-period-secs --help bash elvish fish powershell zsh"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --data)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --master-key-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --log-format)
                    COMPREPLY=($(compgen -W "human json" -- "${cur}"))
                    return 0
                    ;;
                --chunking-min-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-avg-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-max-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --gc-grace-period-secs)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        alexander__subcmd__generate__subcmd__man)
            opts="-h --data --config --master-key-file --log-format --chunking-min-kib --chunking-avg-kib --chunking-max-kib --gc-grace-period-secs --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --data)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --master-key-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --log-format)
                    COMPREPLY=($(compgen -W "human json" -- "${cur}"))
                    return 0
                    ;;
                --chunking-min-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-avg-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-max-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --gc-grace-period-secs)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        alexander__subcmd__get)
            opts="-h --version --snapshot --range --data --config --master-key-file --log-format --chunking-min-kib --chunking-avg-kib --chunking-max-kib --gc-grace-period-secs --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --version)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --snapshot)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --range)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --data)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --master-key-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --log-format)
                    COMPREPLY=($(compgen -W "human json" -- "${cur}"))
                    return 0
                    ;;
                --chunking-min-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-avg-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-max-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --gc-grace-period-secs)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        alexander__subcmd__key)
            opts="-h --data --config --master-key-file --log-format --chunking-min-kib --chunking-avg-kib --chunking-max-kib --gc-grace-period-secs --help create list disable enable remove"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --data)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --master-key-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --log-format)
                    COMPREPLY=($(compgen -W "human json" -- "${cur}"))
                    return 0
                    ;;
                --chunking-min-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-avg-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-max-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --gc-grace-period-secs)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        alexander__subcmd__key__subcmd__create)
            opts="-h --expires --data --config --master-key-file --log-format --chunking-min-kib --chunking-avg-kib --chunking-max-kib --gc-grace-period-secs --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --expires)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --data)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --master-key-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --log-format)
                    COMPREPLY=($(compgen -W "human json" -- "${cur}"))
                    return 0
                    ;;
                --chunking-min-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-avg-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-max-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --gc-grace-period-secs)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        alexander__subcmd__key__subcmd__disable)
            opts="-h --data --config --master-key-file --log-format --chunking-min-kib --chunking-avg-kib --chunking-max-kib --gc-grace-period-secs --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --data)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --master-key-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --log-format)
                    COMPREPLY=($(compgen -W "human json" -- "${cur}"))
                    return 0
                    ;;
                --chunking-min-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-avg-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-max-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --gc-grace-period-secs)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        alexander__subcmd__key__subcmd__enable)
            opts="-h --data --config --master-key-file --log-format --chunking-min-kib --chunking-avg-kib --chunking-max-kib --gc-grace-period-secs --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --data)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --master-key-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --log-format)
                    COMPREPLY=($(compgen -W "human json" -- "${cur}"))
                    return 0
                    ;;
                --chunking-min-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-avg-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-max-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --gc-grace-period-secs)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        alexander__subcmd__key__subcmd__list)
            opts="-h --json --data --config --master-key-file --log-format --chunking-min-kib --chunking-avg-kib --chunking-max-kib --gc-grace-period-secs --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --data)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --master-key-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --log-format)
                    COMPREPLY=($(compgen -W "human json" -- "${cur}"))
                    return 0
                    ;;
                --chunking-min-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-avg-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-max-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --gc-grace-period-secs)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        alexander__subcmd__key__subcmd__remove)
            opts="-h --data --config --master-key-file --log-format --chunking-min-kib --chunking-avg-kib --chunking-max-kib --gc-grace-period-secs --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --data)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --master-key-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --log-format)
                    COMPREPLY=($(compgen -W "human json" -- "${cur}"))
                    return 0
                    ;;
                --chunking-min-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-avg-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-max-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --gc-grace-period-secs)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        alexander__subcmd__lifecycle)
            opts="-h --data --config --master-key-file --log-format --chunking-min-kib --chunking-avg-kib --chunking-max-kib --gc-grace-period-secs --help run"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --data)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --master-key-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --log-format)
                    COMPREPLY=($(compgen -W "human json" -- "${cur}"))
                    return 0
                    ;;
                --chunking-min-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-avg-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-max-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --gc-grace-period-secs)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        alexander__subcmd__lifecycle__subcmd__run)
            opts="-h --at --dry-run --json --data --config --master-key-file --log-format --chunking-min-kib --chunking-avg-kib --chunking-max-kib --gc-grace-period-secs --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --at)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --data)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --master-key-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --log-format)
                    COMPREPLY=($(compgen -W "human json" -- "${cur}"))
                    return 0
                    ;;
                --chunking-min-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-avg-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-max-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --gc-grace-period-secs)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        alexander__subcmd__ls)
            opts="-h --prefix --delimiter --versions --snapshot --json --data --config --master-key-file --log-format --chunking-min-kib --chunking-avg-kib --chunking-max-kib --gc-grace-period-secs --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --prefix)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --delimiter)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --snapshot)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --data)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --master-key-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --log-format)
                    COMPREPLY=($(compgen -W "human json" -- "${cur}"))
                    return 0
                    ;;
                --chunking-min-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-avg-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-max-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --gc-grace-period-secs)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        alexander__subcmd__mv)
            opts="-n -h --no-clobber --data --config --master-key-file --log-format --chunking-min-kib --chunking-avg-kib --chunking-max-kib --gc-grace-period-secs --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --data)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --master-key-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --log-format)
                    COMPREPLY=($(compgen -W "human json" -- "${cur}"))
                    return 0
                    ;;
                --chunking-min-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-avg-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-max-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --gc-grace-period-secs)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        alexander__subcmd__put)
            opts="-h --content-type --data --config --master-key-file --log-format --chunking-min-kib --chunking-avg-kib --chunking-max-kib --gc-grace-period-secs --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --content-type)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --data)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --master-key-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --log-format)
                    COMPREPLY=($(compgen -W "human json" -- "${cur}"))
                    return 0
                    ;;
                --chunking-min-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-avg-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-max-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --gc-grace-period-secs)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        alexander__subcmd__rm)
            opts="-h --version --data --config --master-key-file --log-format --chunking-min-kib --chunking-avg-kib --chunking-max-kib --gc-grace-period-secs --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --version)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --data)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --master-key-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --log-format)
                    COMPREPLY=($(compgen -W "human json" -- "${cur}"))
                    return 0
                    ;;
                --chunking-min-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-avg-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-max-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --gc-grace-period-secs)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        alexander__subcmd__scrub)
            opts="-h --max-bytes-per-sec --json --data --config --master-key-file --log-format --chunking-min-kib --chunking-avg-kib --chunking-max-kib --gc-grace-period-secs --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --max-bytes-per-sec)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --data)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --master-key-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --log-format)
                    COMPREPLY=($(compgen -W "human json" -- "${cur}"))
                    return 0
                    ;;
                --chunking-min-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-avg-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-max-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --gc-grace-period-secs)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        alexander__subcmd__serve)
            opts="-h --listen --region --vhost-domain --drain-timeout-secs --metrics-token --access-log --mount --read-only --mount-cache-secs --allow-other --bucket --mount-uid --mount-gid --mount-user --max-header-bytes --max-user-metadata-bytes --max-xml-bytes --max-parts --min-part-size --max-part-size --max-put-size --max-delete-keys --header-timeout-secs --idle-timeout-secs --stall-timeout-secs --max-connections --requests-per-sec --request-burst --max-concurrent-requests --data --config --master-key-file --log-format --chunking-min-kib --chunking-avg-kib --chunking-max-kib --gc-grace-period-secs --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --listen)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --region)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --vhost-domain)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --drain-timeout-secs)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --metrics-token)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --access-log)
                    COMPREPLY=($(compgen -W "on off" -- "${cur}"))
                    return 0
                    ;;
                --mount)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --mount-cache-secs)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --bucket)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --mount-uid)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --mount-gid)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --mount-user)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --max-header-bytes)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --max-user-metadata-bytes)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --max-xml-bytes)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --max-parts)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --min-part-size)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --max-part-size)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --max-put-size)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --max-delete-keys)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --header-timeout-secs)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --idle-timeout-secs)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --stall-timeout-secs)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --max-connections)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --requests-per-sec)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --request-burst)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --max-concurrent-requests)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --data)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --master-key-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --log-format)
                    COMPREPLY=($(compgen -W "human json" -- "${cur}"))
                    return 0
                    ;;
                --chunking-min-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-avg-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-max-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --gc-grace-period-secs)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        alexander__subcmd__snapshot)
            opts="-h --data --config --master-key-file --log-format --chunking-min-kib --chunking-avg-kib --chunking-max-kib --gc-grace-period-secs --help create list delete schedule"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --data)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --master-key-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --log-format)
                    COMPREPLY=($(compgen -W "human json" -- "${cur}"))
                    return 0
                    ;;
                --chunking-min-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-avg-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-max-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --gc-grace-period-secs)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        alexander__subcmd__snapshot__subcmd__create)
            opts="-h --data --config --master-key-file --log-format --chunking-min-kib --chunking-avg-kib --chunking-max-kib --gc-grace-period-secs --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --data)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --master-key-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --log-format)
                    COMPREPLY=($(compgen -W "human json" -- "${cur}"))
                    return 0
                    ;;
                --chunking-min-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-avg-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-max-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --gc-grace-period-secs)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        alexander__subcmd__snapshot__subcmd__delete)
            opts="-h --data --config --master-key-file --log-format --chunking-min-kib --chunking-avg-kib --chunking-max-kib --gc-grace-period-secs --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --data)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --master-key-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --log-format)
                    COMPREPLY=($(compgen -W "human json" -- "${cur}"))
                    return 0
                    ;;
                --chunking-min-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-avg-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-max-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --gc-grace-period-secs)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        alexander__subcmd__snapshot__subcmd__list)
            opts="-h --json --data --config --master-key-file --log-format --chunking-min-kib --chunking-avg-kib --chunking-max-kib --gc-grace-period-secs --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --data)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --master-key-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --log-format)
                    COMPREPLY=($(compgen -W "human json" -- "${cur}"))
                    return 0
                    ;;
                --chunking-min-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-avg-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-max-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --gc-grace-period-secs)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        alexander__subcmd__snapshot__subcmd__schedule)
            opts="-h --data --config --master-key-file --log-format --chunking-min-kib --chunking-avg-kib --chunking-max-kib --gc-grace-period-secs --help set show remove"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --data)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --master-key-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --log-format)
                    COMPREPLY=($(compgen -W "human json" -- "${cur}"))
                    return 0
                    ;;
                --chunking-min-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-avg-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-max-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --gc-grace-period-secs)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        alexander__subcmd__snapshot__subcmd__schedule__subcmd__remove)
            opts="-h --data --config --master-key-file --log-format --chunking-min-kib --chunking-avg-kib --chunking-max-kib --gc-grace-period-secs --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --data)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --master-key-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --log-format)
                    COMPREPLY=($(compgen -W "human json" -- "${cur}"))
                    return 0
                    ;;
                --chunking-min-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-avg-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-max-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --gc-grace-period-secs)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        alexander__subcmd__snapshot__subcmd__schedule__subcmd__set)
            opts="-h --every --keep-last --keep-hourly --keep-daily --keep-weekly --keep-monthly --data --config --master-key-file --log-format --chunking-min-kib --chunking-avg-kib --chunking-max-kib --gc-grace-period-secs --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --every)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --keep-last)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --keep-hourly)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --keep-daily)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --keep-weekly)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --keep-monthly)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --data)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --master-key-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --log-format)
                    COMPREPLY=($(compgen -W "human json" -- "${cur}"))
                    return 0
                    ;;
                --chunking-min-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-avg-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-max-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --gc-grace-period-secs)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        alexander__subcmd__snapshot__subcmd__schedule__subcmd__show)
            opts="-h --data --config --master-key-file --log-format --chunking-min-kib --chunking-avg-kib --chunking-max-kib --gc-grace-period-secs --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 4 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --data)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --master-key-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --log-format)
                    COMPREPLY=($(compgen -W "human json" -- "${cur}"))
                    return 0
                    ;;
                --chunking-min-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-avg-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-max-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --gc-grace-period-secs)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        alexander__subcmd__stats)
            opts="-h --json --data --config --master-key-file --log-format --chunking-min-kib --chunking-avg-kib --chunking-max-kib --gc-grace-period-secs --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --data)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --master-key-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --log-format)
                    COMPREPLY=($(compgen -W "human json" -- "${cur}"))
                    return 0
                    ;;
                --chunking-min-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-avg-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-max-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --gc-grace-period-secs)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        alexander__subcmd__user)
            opts="-h --data --config --master-key-file --log-format --chunking-min-kib --chunking-avg-kib --chunking-max-kib --gc-grace-period-secs --help add list remove disable enable"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 2 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --data)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --master-key-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --log-format)
                    COMPREPLY=($(compgen -W "human json" -- "${cur}"))
                    return 0
                    ;;
                --chunking-min-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-avg-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-max-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --gc-grace-period-secs)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        alexander__subcmd__user__subcmd__add)
            opts="-h --data --config --master-key-file --log-format --chunking-min-kib --chunking-avg-kib --chunking-max-kib --gc-grace-period-secs --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --data)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --master-key-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --log-format)
                    COMPREPLY=($(compgen -W "human json" -- "${cur}"))
                    return 0
                    ;;
                --chunking-min-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-avg-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-max-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --gc-grace-period-secs)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        alexander__subcmd__user__subcmd__disable)
            opts="-h --data --config --master-key-file --log-format --chunking-min-kib --chunking-avg-kib --chunking-max-kib --gc-grace-period-secs --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --data)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --master-key-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --log-format)
                    COMPREPLY=($(compgen -W "human json" -- "${cur}"))
                    return 0
                    ;;
                --chunking-min-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-avg-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-max-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --gc-grace-period-secs)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        alexander__subcmd__user__subcmd__enable)
            opts="-h --data --config --master-key-file --log-format --chunking-min-kib --chunking-avg-kib --chunking-max-kib --gc-grace-period-secs --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --data)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --master-key-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --log-format)
                    COMPREPLY=($(compgen -W "human json" -- "${cur}"))
                    return 0
                    ;;
                --chunking-min-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-avg-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-max-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --gc-grace-period-secs)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        alexander__subcmd__user__subcmd__list)
            opts="-h --json --data --config --master-key-file --log-format --chunking-min-kib --chunking-avg-kib --chunking-max-kib --gc-grace-period-secs --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --data)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --master-key-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --log-format)
                    COMPREPLY=($(compgen -W "human json" -- "${cur}"))
                    return 0
                    ;;
                --chunking-min-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-avg-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-max-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --gc-grace-period-secs)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
        alexander__subcmd__user__subcmd__remove)
            opts="-h --data --config --master-key-file --log-format --chunking-min-kib --chunking-avg-kib --chunking-max-kib --gc-grace-period-secs --help"
            if [[ ${cur} == -* || ${COMP_CWORD} -eq 3 ]] ; then
                COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
                return 0
            fi
            case "${prev}" in
                --data)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --config)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --master-key-file)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --log-format)
                    COMPREPLY=($(compgen -W "human json" -- "${cur}"))
                    return 0
                    ;;
                --chunking-min-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-avg-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --chunking-max-kib)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                --gc-grace-period-secs)
                    COMPREPLY=($(compgen -f "${cur}"))
                    return 0
                    ;;
                *)
                    COMPREPLY=()
                    ;;
            esac
            COMPREPLY=( $(compgen -W "${opts}" -- "${cur}") )
            return 0
            ;;
    esac
}

if [[ "${BASH_VERSINFO[0]}" -eq 4 && "${BASH_VERSINFO[1]}" -ge 4 || "${BASH_VERSINFO[0]}" -gt 4 ]]; then
    complete -F _alexander -o nosort -o bashdefault -o default alexander
else
    complete -F _alexander -o bashdefault -o default alexander
fi
